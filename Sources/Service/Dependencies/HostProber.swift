import Foundation
import Measure

/// What this host can measure (counters that open and why others do not, cores,
/// NUMA nodes, RAPL, valgrind), as JSON for `GET /v1/host`.
public protocol HostProber: Sendable {
    func probe() async throws -> Data
}

/// The Measure module's probe: opens each event once with perf_event_open.
public struct CounterHostProber: HostProber {
    /// Events probed besides the built-in list (e.g. every event the profiles name).
    public var extraEvents: [String]
    public init(extraEvents: [String] = []) { self.extraEvents = extraEvents }

    public func probe() async throws -> Data {
        let events = extraEvents
        let capabilities = await withCheckedContinuation { continuation in
            // Opening counters blocks briefly; keep it off the cooperative pool.
            Thread.detachNewThread { continuation.resume(returning: HostProbe.probe(extraEvents: events)) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(capabilities)
    }
}
