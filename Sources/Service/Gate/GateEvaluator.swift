import Device
import ServiceAPI
import Store

/// Checks a stored result against budgets and, optionally, against the stored
/// baseline: each figure must not exceed its limit. Pure, so the rules are testable
/// without a daemon.
public enum GateEvaluator {
    /// - Parameters:
    ///   - profileBudgets: the profile's own budgets (nil when the request ignores them).
    ///   - requestBudgets: budgets from the request; each set field overrides the profile's.
    ///   - baseline: the stored baseline, when a regression check was asked for.
    ///   - tolerancePercent: how much worse than the baseline a figure may be.
    public static func evaluate(_ result: ResultRecord, profileBudgets: Budgets?, requestBudgets: Budgets?,
                                baseline: ResultRecord?, tolerancePercent: Double?) -> GateReport {
        var checks: [GateCheck] = []
        var notes: [String] = []
        func budget(_ metric: String, _ unit: String, _ figure: Double, _ fromProfile: Double?, _ fromRequest: Double?) {
            if let limit = fromRequest {
                checks.append(GateCheck(metric: metric, kind: "budget", source: "request", unit: unit, figure: figure, limit: limit))
            } else if let limit = fromProfile {
                checks.append(GateCheck(metric: metric, kind: "budget", source: "profile", unit: unit, figure: figure, limit: limit))
            }
        }
        budget("energy", "J", result.energyJoules, profileBudgets?.energyPerInferenceJoules, requestBudgets?.energyPerInferenceJoules)
        budget("latency", "s", result.latencySeconds, profileBudgets?.latencySeconds, requestBudgets?.latencySeconds)
        budget("peak_ram", "B", Double(result.peakRAMBytes), profileBudgets?.peakRAMBytes.map(Double.init), requestBudgets?.peakRAMBytes.map(Double.init))
        budget("flash", "B", Double(result.flashBytes), profileBudgets?.flashBytes.map(Double.init), requestBudgets?.flashBytes.map(Double.init))
        if checks.isEmpty && tolerancePercent == nil {
            notes.append("no budgets: profile \(result.profile) has none and the request gave none")
        }
        if let tolerance = tolerancePercent {
            if let baseline, baseline.id != result.id {
                let factor = 1 + tolerance / 100
                let source = "baseline result \(baseline.id ?? -1) +\(tolerance)%"
                checks.append(GateCheck(metric: "energy", kind: "baseline", source: source, unit: "J",
                                        figure: result.energyJoules, limit: baseline.energyJoules * factor))
                checks.append(GateCheck(metric: "latency", kind: "baseline", source: source, unit: "s",
                                        figure: result.latencySeconds, limit: baseline.latencySeconds * factor))
                checks.append(GateCheck(metric: "peak_ram", kind: "baseline", source: source, unit: "B",
                                        figure: Double(result.peakRAMBytes), limit: Double(baseline.peakRAMBytes) * factor))
                checks.append(GateCheck(metric: "flash", kind: "baseline", source: source, unit: "B",
                                        figure: Double(result.flashBytes), limit: Double(baseline.flashBytes) * factor))
            } else if baseline?.id == result.id {
                notes.append("result \(result.id ?? -1) is itself the baseline; nothing to compare")
            } else {
                notes.append("no baseline stored for this model on \(result.profile); mark one with picojoule results --set-baseline ID")
            }
        }
        return GateReport(resultID: result.id ?? -1, model: result.modelSHA256, modelName: result.modelName,
                          profile: result.profile, checks: checks, notes: notes)
    }
}
