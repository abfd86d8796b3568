import Foundation

/// Keys a profile file may hold; the reader suggests the closest one for a typo.
enum ProfileSchema {
    static let top = (required: ["name", "device", "constraints"],
                      optional: ["description", "counters", "runs", "warmup", "simulate", "budgets"])
    static let constraints = ["memory_cap", "flash_cap", "weights_in_flash", "integer_only", "cores", "cpu_share", "numa_node"]
    static let budgets = ["energy_per_inference", "latency", "peak_ram", "flash"]
    /// Read when a profile names no counters: software events open everywhere,
    /// hardware ones are reported unavailable where the host has no PMU.
    static let defaultCounters = ["cycles", "instructions", "perf::PERF_COUNT_SW_TASK_CLOCK"]
}

/// A profile as read from its file, with the line of its `device:` key so the
/// catalog can point at it when the device does not exist.
public struct ProfileFile: Sendable {
    public var profile: DeviceProfile
    public var file: String
    public var deviceLine: Int?
}

extension DeviceProfile {
    /// Reads and validates one profile file (syntax, keys, units, ranges); does not
    /// check that the device exists, which needs the catalog (`DeviceCatalog.check`).
    public static func load(file path: String) throws(ConfigError) -> ProfileFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(ConfigIssue(file: path, line: nil, key: "", message: "cannot read the file: \(error.localizedDescription)"))
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses profile YAML; `file` names it in the messages.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> ProfileFile {
        let reader = ConfigReader(file: file)
        guard let top = reader.root(of: yaml)?.mapping(required: ProfileSchema.top.required, optional: ProfileSchema.top.optional) else {
            try reader.finish()
            throw ConfigError(ConfigIssue(file: file, line: nil, key: "", message: "not a profile"))
        }
        let name = top["name"]?.string() ?? ""
        if !name.isEmpty, !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) {
            top["name"]?.report("use letters, digits, '-', '_' or '.' only, found '\(name)'")
        }
        let device = top["device"]?.string() ?? ""
        let constraints = top["constraints"].flatMap(readConstraints) ?? Constraints()
        let budgets = top["budgets"].flatMap(readBudgets) ?? Budgets()
        let profile = DeviceProfile(
            name: name,
            description: top["description"]?.string() ?? "",
            device: device,
            constraints: constraints,
            counters: top["counters"]?.strings() ?? ProfileSchema.defaultCounters,
            runs: top["runs"]?.int(in: 1...1_000_000, what: "runs") ?? 10,
            warmup: top["warmup"]?.int(in: 0...1_000_000, what: "warmup") ?? 2,
            simulate: top["simulate"]?.bool() ?? false,
            budgets: budgets)
        try reader.finish()
        return ProfileFile(profile: profile, file: file, deviceLine: top["device"]?.line)
    }

    private static func readConstraints(_ value: ConfigValue) -> Constraints? {
        guard let map = value.mapping(optional: ProfileSchema.constraints) else { return nil }
        var result = Constraints()
        result.memoryCapBytes = map["memory_cap"]?.quantity(.bytes).map { Int($0) }
        result.flashCapBytes = map["flash_cap"]?.quantity(.bytes).map { Int($0) }
        result.weightsInFlash = map["weights_in_flash"]?.bool() ?? false
        result.integerOnly = map["integer_only"]?.bool() ?? false
        result.cores = map["cores"]?.int(in: 1...4096, what: "cores") ?? 1
        if let share = map["cpu_share"] {
            if let fraction = share.quantity(.fraction) {
                if fraction > 1 {
                    share.report("the CPU share per core is at most 100%, found \(Quantity.format(fraction, .fraction))",
                                 suggestion: "write it as a percentage such as 50% or a fraction such as 0.5")
                } else {
                    result.cpuShare = fraction
                }
            }
        }
        result.numaNode = map["numa_node"]?.int(in: 0...1023, what: "numa_node")
        if result.weightsInFlash, result.flashCapBytes == nil, let line = map["weights_in_flash"]?.line {
            value.reader.report(line: line, key: "\(value.key).weights_in_flash", "weights kept in flash need a flash size",
                                suggestion: "add flash_cap, e.g. flash_cap: 2MiB")
        }
        return result
    }

    private static func readBudgets(_ value: ConfigValue) -> Budgets? {
        guard let map = value.mapping(optional: ProfileSchema.budgets) else { return nil }
        return Budgets(
            energyPerInferenceJoules: map["energy_per_inference"]?.quantity(.energy),
            latencySeconds: map["latency"]?.quantity(.time),
            peakRAMBytes: map["peak_ram"]?.quantity(.bytes).map { Int($0) },
            flashBytes: map["flash"]?.quantity(.bytes).map { Int($0) })
    }
}
