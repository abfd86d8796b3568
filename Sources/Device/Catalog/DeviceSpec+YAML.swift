import Foundation
import Model

/// Keys a device file may hold. Every number is written `{value: 480MHz, source: "..."}`
/// so that no figure enters the energy model without a citation.
enum DeviceSchema {
    static let top = (required: ["name", "description", "clusters", "native_dtypes", "memory", "energy_per_mac", "static_power"],
                      optional: ["accelerator", "energy_per_op", "active_power_per_mhz", "notes"])
    static let cluster = ["name", "cores", "clock", "macs_per_cycle"]
    static let accelerator = ["name", "clock", "macs_per_cycle", "utilization"]
    static let memory = (required: ["name", "kind", "size", "line", "bandwidth", "energy_per_byte"], optional: ["associativity"])
    static let sourced = ["value", "source"]
}

extension DeviceSpec {
    /// Reads and validates one device file.
    public static func load(file path: String) throws(ConfigError) -> DeviceSpec {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(ConfigIssue(file: path, line: nil, key: "", message: "cannot read the file: \(error.localizedDescription)"))
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses device YAML; `file` names it in the messages.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> DeviceSpec {
        let reader = ConfigReader(file: file)
        guard let top = reader.root(of: yaml)?.mapping(required: DeviceSchema.top.required, optional: DeviceSchema.top.optional) else {
            try reader.finish()
            throw ConfigError(ConfigIssue(file: file, line: nil, key: "", message: "not a device file"))
        }
        let clusters = top["clusters"]?.sequence()?.compactMap(readCluster) ?? []
        if let list = top["clusters"], clusters.isEmpty { list.report("a device needs at least one cluster of cores") }
        let memory = top["memory"]?.sequence()?.compactMap(readMemoryLevel) ?? []
        let spec = DeviceSpec(
            name: top["name"]?.string() ?? "",
            description: top["description"]?.string() ?? "",
            clusters: clusters,
            nativeDTypes: Set(top["native_dtypes"]?.sourcedDTypes() ?? []),
            accelerator: top["accelerator"].flatMap(readAccelerator),
            memoryLevels: memory,
            energyPerMAC: top["energy_per_mac"]?.perDType(.energy)?.mapValues { $0 * 1e12 } ?? [:],
            energyPerOp: top["energy_per_op"]?.perDType(.energy)?.mapValues { $0 * 1e12 } ?? [:],
            staticPowerWatts: top["static_power"]?.sourced(.power, allowZero: true) ?? 0,
            activePowerWattsPerMHz: top["active_power_per_mhz"]?.sourced(.power),
            sources: [:])
        try reader.finish()
        var result = spec
        result.sources = reader.sources
        return result
    }

    private static func readCluster(_ value: ConfigValue) -> CoreCluster? {
        guard let map = value.mapping(required: DeviceSchema.cluster) else { return nil }
        guard let name = map["name"]?.string(), let cores = map["cores"]?.sourced(.count),
              let clock = map["clock"]?.sourced(.frequency), let macs = map["macs_per_cycle"]?.perDType(.count) else { return nil }
        guard cores >= 1, cores == cores.rounded() else {
            map["cores"]?.report("cores must be a whole number of at least 1, found \(cores)")
            return nil
        }
        return CoreCluster(name: name, cores: Int(cores), clockHz: clock, macsPerCycle: macs)
    }

    private static func readAccelerator(_ value: ConfigValue) -> Accelerator? {
        guard let map = value.mapping(required: DeviceSchema.accelerator) else { return nil }
        guard let name = map["name"]?.string(), let clock = map["clock"]?.sourced(.frequency),
              let macs = map["macs_per_cycle"]?.perDType(.count), let utilization = map["utilization"]?.sourced(.fraction) else { return nil }
        if utilization > 1 { map["utilization"]?.report("utilization is a fraction of peak, at most 100%") }
        return Accelerator(name: name, clockHz: clock, macsPerCycle: macs, utilization: min(utilization, 1))
    }

    private static func readMemoryLevel(_ value: ConfigValue) -> MemoryLevel? {
        guard let map = value.mapping(required: DeviceSchema.memory.required, optional: DeviceSchema.memory.optional) else { return nil }
        let kinds = ["registers", "tcm", "sram", "cache", "dram", "flash"]
        var kind: MemoryLevel.Kind?
        if let text = map["kind"]?.string() {
            kind = MemoryLevel.Kind(rawValue: text)
            if kind == nil {
                map["kind"]?.report("unknown memory kind '\(text)'", suggestion: Spelling.didYouMean(text, in: kinds) ?? "one of \(kinds.joined(separator: ", "))")
            }
        }
        guard let name = map["name"]?.string(), let kind, let size = map["size"]?.sourced(.bytes),
              let line = map["line"]?.sourced(.bytes), let bandwidth = map["bandwidth"]?.sourced(.bandwidth),
              let energy = map["energy_per_byte"]?.sourced(.energy, allowZero: true) else { return nil }
        let associativity = map["associativity"]?.sourced(.count).map { Int($0) }
        return MemoryLevel(name: name, kind: kind, sizeBytes: Int(size), lineBytes: Int(line), associativity: associativity,
                           bandwidthBytesPerSecond: bandwidth, energyPerBytePicojoules: energy * 1e12)
    }
}

extension ConfigValue {
    /// `{value: 480MHz, source: "ST DS12110 p.1"}`: the number, its source recorded
    /// under this key. A bare number is refused: the file must say where it came from.
    func sourced(_ kind: Quantity.Kind, allowZero: Bool = false) -> Double? {
        guard case .mapping = node else {
            report("every number in a device file needs its source",
                   suggestion: "write {value: \(node.scalar?.string ?? kind.example), source: \"datasheet, paper or URL\"}")
            return nil
        }
        guard let map = mapping(required: DeviceSchema.sourced), let value = map["value"]?.quantity(kind, allowZero: allowZero),
              let source = map["source"]?.string() else { return nil }
        reader.recordSource(source, for: key)
        return value
    }

    /// `{value: [int8, float32], source: "..."}`.
    func sourcedDTypes() -> [DType]? {
        guard let map = mapping(required: DeviceSchema.sourced), let names = map["value"]?.sequence(),
              let source = map["source"]?.string() else { return nil }
        reader.recordSource(source, for: key)
        return names.compactMap { $0.dtype() }
    }

    /// `{int8: {value: 2, source: ...}, float32: {...}}`.
    func perDType(_ kind: Quantity.Kind) -> [DType: Double]? {
        guard case .mapping(let mapping) = node else {
            report("expected one entry per dtype, e.g. int8: {value: 2, source: \"...\"}")
            return nil
        }
        var result: [DType: Double] = [:]
        for (keyNode, valueNode) in mapping {
            let keyValue = ConfigValue(node: keyNode, key: key, reader: reader)
            guard let dtype = keyValue.dtype() else { continue }
            let entry = ConfigValue(node: valueNode, key: "\(key).\(dtype.rawValue)", reader: reader)
            if let number = entry.sourced(kind, allowZero: true) { result[dtype] = number }
        }
        return result
    }

    func dtype() -> DType? {
        guard let text = string() else { return nil }
        if let dtype = DType(rawValue: text) { return dtype }
        report("unknown dtype '\(text)'", suggestion: Spelling.didYouMean(text, in: DType.allCases.map(\.rawValue))
            ?? "one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }
}
