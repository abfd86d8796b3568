import ServiceAPI

/// The comparison table: models (or variants) × profiles, with size, peak RAM,
/// latency, energy and data movement, each with its ratio to the first model on the
/// same profile.
public enum CompareTable {
    /// One cell of the grid; `result` is nil when that pair has no stored result.
    public struct Row: Sendable {
        public var model: String
        public var profile: String
        public var result: ResultSummary?
        public init(model: String, profile: String, result: ResultSummary?) { self.model = model; self.profile = profile; self.result = result }
    }

    public static func render(_ rows: [Row]) -> String {
        var table = TextTable(["model", "profile", "size", "peak RAM", "latency", "energy", "data moved", "source"])
        // The baseline is the first model given, profile by profile; where it has no
        // result (refused, failed) that profile's rows carry no ratios rather than
        // ratios to whichever model happens to come next.
        let firstModel = rows.first?.model
        var first: [String: ResultSummary] = [:]
        for row in rows where row.model == firstModel { if let r = row.result { first[row.profile] = r } }
        for row in rows {
            guard let r = row.result else {
                table.add([row.model, row.profile, "—", "—", "—", "—", "—", "no result"])
                continue
            }
            let base = row.model == firstModel ? nil : first[row.profile]
            func cell(_ value: Double, _ unit: String, _ baseValue: Double?) -> String {
                let text = Units.format(value, unit)
                guard let baseValue, baseValue > 0 else { return text }
                return "\(text) (\(Units.sig(value / baseValue))×)"
            }
            table.add([row.model, row.profile,
                       cell(Double(r.fileBytes), "B", base.map { Double($0.fileBytes) }),
                       cell(Double(r.peakRAMBytes), "B", base.map { Double($0.peakRAMBytes) }),
                       cell(r.latencySeconds, "s", base?.latencySeconds),
                       cell(r.energyJoules, "J", base?.energyJoules),
                       cell(r.dataMovementBytes, "B", base?.dataMovementBytes),
                       r.energySource])
        }
        return table.render()
    }
}
