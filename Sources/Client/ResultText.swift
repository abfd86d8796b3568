import Foundation
import Measure
import Profiling

/// A full result as text for people: every figure with its source, counters that
/// did not open with their reason, the constraints as applied, the costliest nodes.
/// Shared by `picojoule show` and `picojoule profile --local`.
public enum ResultText {
    public static func render(_ r: ProfileResult, nodes: Int = 15) -> String {
        var out: [String] = []
        let e = r.estimate
        func fig(_ f: Figure) -> String { "\(Units.format(f.value, f.unit)) (\(f.source.rawValue))" }
        out.append("model     \(r.model.name)  \(Units.bytes(Double(r.model.fileBytes)))  sha256 \(r.model.sha256.prefix(16))…")
        out.append("profile   \(r.profile) on device \(r.device)")
        let macs = r.model.macs.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \(Units.count(Double($0.value)))" }
        out.append("MACs      \(macs.isEmpty ? "none" : macs.joined(separator: ", ")) per inference (modeled: exact runtime counts)")
        out.append("energy    \(fig(e.energy)) per inference — compute \(fig(e.energyCompute)), data movement \(fig(e.energyDataMovement)), static \(fig(e.energyStatic)); \(e.dominantTerm) dominates")
        out.append("latency   device \(fig(e.latency)); host median \(fig(r.host.latencyMedian)), p90 \(fig(r.host.latencyP90)) over \(r.host.runs) runs, \(r.host.threads) thread(s)")
        let cap = r.memory.memoryCapBytes.map { " of \(Units.bytes(Double($0))) allowed" } ?? ""
        let flashCap = r.memory.flashCapBytes.map { " of \(Units.bytes(Double($0))) allowed" } ?? ""
        out.append("memory    peak RAM \(Units.bytes(Double(r.memory.peakRAMBytes)))\(cap), flash \(Units.bytes(Double(r.memory.flashBytes)))\(flashCap); arena \(Units.bytes(Double(r.memory.plan.arenaBytes))) (lower bound \(Units.bytes(Double(r.memory.plan.lowerBoundBytes))))")
        if !e.traffic.isEmpty {
            out.append("traffic   " + e.traffic.map { "\($0.level) \(fig($0.bytes)), \(Units.format($0.energy.value, "J"))" }.joined(separator: "; "))
        }
        for c in e.comparisons {
            let ratio = c.ratio.map { String(format: "%.3f", $0) } ?? "n/a"
            out.append("compare   \(c.quantity): \(fig(c.a)) vs \(fig(c.b)), ratio \(ratio)")
        }
        for c in r.host.counters {
            switch c.status {
            case .counted(let value, _, _):
                out.append("counter   \(c.event) = \(Units.count(value)) per run (\(c.source.rawValue)\(c.isScaled ? ", multiplexed and scaled" : ""))")
            case .unavailable(let errno, let reason):
                out.append("counter   \(c.event) unavailable (errno \(errno)): \(reason)")
            }
        }
        for c in r.host.constraints {
            out.append("applied   \(c.name) \(c.requested): \(c.applied ? "yes" : "NO") — \(c.detail)")
        }
        for w in r.warnings + e.warnings { out.append("warning   \(w)") }
        var rows = e.nodes.sorted { $0.energy.value > $1.energy.value }
        if nodes > 0 { rows = Array(rows.prefix(nodes)) }
        if !rows.isEmpty {
            var table = TextTable(["#", "node", "op", "energy", "latency", "MACs", "bytes", "bound by", "host"])
            for n in rows {
                let bytes = n.traffic.reduce(0.0) { $0 + $1.bytes.value }
                table.add([String(n.index), n.name, n.opType, Units.format(n.energy.value, "J"), Units.format(n.latency.value, "s"),
                           Units.count(Double(n.macs.values.reduce(0, +))), Units.bytes(bytes), n.boundBy,
                           n.hostSeconds.map { Units.format($0.value, "s") } ?? "—"])
            }
            out.append("")
            out.append("nodes by modeled energy\(nodes > 0 && e.nodes.count > nodes ? " (top \(nodes) of \(e.nodes.count))" : ""); host column measured:")
            out.append(table.render())
        }
        return out.joined(separator: "\n")
    }
}

extension Units {
    /// A count with k/M/G suffixes (1000-based).
    public static func count(_ value: Double) -> String {
        let a = abs(value)
        for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where a >= scale {
            return "\(sig(value / scale))\(suffix)"
        }
        return a == a.rounded() ? String(Int(value)) : sig(value)
    }
}
