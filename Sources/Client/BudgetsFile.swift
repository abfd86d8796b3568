import Device
import Foundation
import Yams

/// A budgets file kept in the user's repository: which models must hold which
/// budgets on which profiles. Model paths are relative to the file.
///
/// ```yaml
/// baseline: 5%            # optional: fail on a regression beyond 5 % of the stored baseline
/// gates:
///   - models: [models/kws-int8.onnx, models/kws-fp32.onnx]
///     profiles: [cortex-m7]
///     budgets: {energy: 2 mJ, latency: 50 ms, peak_ram: 256 KiB, flash: 1 MiB}
/// ```
public struct BudgetsFile: Sendable {
    /// One model on one profile with its budgets (nil fields: the profile's own).
    public struct Entry: Sendable, Hashable {
        public var model: String
        public var profile: String
        public var budgets: Budgets
        public init(model: String, profile: String, budgets: Budgets) { self.model = model; self.profile = profile; self.budgets = budgets }
    }
    public var entries: [Entry]
    public var baselineTolerancePercent: Double?

    public static func load(_ path: String) throws -> BudgetsFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw ClientError.input("cannot read budgets file \(path)") }
        return try parse(String(decoding: data, as: UTF8.self), baseDirectory: (path as NSString).deletingLastPathComponent, file: path)
    }

    public static func parse(_ text: String, baseDirectory: String, file: String = "budgets file") throws -> BudgetsFile {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw ClientError.input("\(file): not YAML: \(error)") }
        guard let top = root as? [String: Any] else { throw ClientError.input("\(file): expected a mapping with a 'gates' list") }
        var result = BudgetsFile(entries: [], baselineTolerancePercent: nil)
        if let baseline = top["baseline"] {
            let text = "\(baseline)".replacingOccurrences(of: "%", with: "").trimmingCharacters(in: .whitespaces)
            guard let value = Double(text), value >= 0 else { throw ClientError.input("\(file): baseline must be a percentage like 5%") }
            result.baselineTolerancePercent = value
        }
        guard let gates = top["gates"] as? [[String: Any]] else { throw ClientError.input("\(file): 'gates' must be a list of mappings") }
        for (i, gate) in gates.enumerated() {
            let models = try strings(gate["models"] ?? gate["model"], "gates[\(i)].models", file)
            let profiles = try strings(gate["profiles"] ?? gate["profile"], "gates[\(i)].profiles", file)
            let budgets = try self.budgets(gate["budgets"] as? [String: Any] ?? [:], "gates[\(i)].budgets", file)
            for model in models {
                let path = model.hasPrefix("/") || baseDirectory.isEmpty ? model : "\(baseDirectory)/\(model)"
                let resolved = FileManager.default.fileExists(atPath: path) ? path : model
                for profile in profiles { result.entries.append(Entry(model: resolved, profile: profile, budgets: budgets)) }
            }
        }
        return result
    }

    static func strings(_ value: Any?, _ field: String, _ file: String) throws -> [String] {
        if let one = value as? String { return [one] }
        if let many = value as? [Any], !many.isEmpty { return many.map { "\($0)" } }
        throw ClientError.input("\(file): \(field) must be a name or a non-empty list")
    }

    static func budgets(_ map: [String: Any], _ field: String, _ file: String) throws -> Budgets {
        var budgets = Budgets()
        for (key, value) in map {
            let text = "\(value)"
            func need(_ kind: BudgetQuantity.Kind) throws -> Double {
                guard let v = BudgetQuantity.parse(text, as: kind), v >= 0 else { throw ClientError.input("\(file): \(field).\(key): cannot read '\(text)'") }
                return v
            }
            switch key {
            case "energy": budgets.energyPerInferenceJoules = try need(.energy)
            case "latency": budgets.latencySeconds = try need(.time)
            case "peak_ram", "ram": budgets.peakRAMBytes = Int(try need(.bytes))
            case "flash": budgets.flashBytes = Int(try need(.bytes))
            default: throw ClientError.input("\(file): \(field): unknown budget '\(key)' (use energy, latency, peak_ram, flash)")
            }
        }
        return budgets
    }
}
