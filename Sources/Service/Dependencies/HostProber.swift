import Foundation

/// What this host can measure (counters that open, cores, NUMA nodes), as JSON.
/// The Measure module's probe is the real one.
public protocol HostProber: Sendable {
    func probe() async throws -> Data
}

/// A minimal probe from the operating system alone, used until the counter probe
/// is wired in.
public struct BasicHostProber: HostProber {
    public init() {}
    public func probe() async throws -> Data {
        struct Basic: Encodable {
            var hostname = ProcessInfo.processInfo.hostName
            var cores = ProcessInfo.processInfo.activeProcessorCount
            var memoryBytes = ProcessInfo.processInfo.physicalMemory
            var os = ProcessInfo.processInfo.operatingSystemVersionString
            var note = "counter availability is not probed by this daemon build"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(Basic())
    }
}
