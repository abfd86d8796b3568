import SystemPackage

/// Package/DRAM energy from the powercap interface
/// (`/sys/class/powercap/intel-rapl:*/energy_uj`), where the host exposes it.
///
/// Virtual machines usually do not: then `unavailableReason` says so and every
/// RAPL reading is reported unavailable, never zero.
public struct RAPLReader: Sendable {
    /// Prefix of the readings' event names (`rapl:package-0`), joules per inference.
    public static let eventName = "rapl"
    static let root = "/sys/class/powercap"

    /// One powercap zone.
    public struct Domain: Sendable, Hashable, Codable {
        /// The zone's `name` file (`package-0`, `dram`, `core`).
        public var name: String
        public var path: String
        /// The counter wraps at this many µJ.
        public var maxEnergyMicrojoules: Double
    }

    public let domains: [Domain]
    /// Why there is no RAPL energy, or nil when at least one zone is readable.
    public let unavailableReason: PerfError?

    /// Finds the readable zones.
    public init() {
        switch system_list_directory(RAPLReader.root) {
        case .failure(let e):
            domains = []
            unavailableReason = PerfError(event: RAPLReader.eventName, .missing(e,
                what: "no \(RAPLReader.root) (\(e)): the host exposes no RAPL energy counters (virtualized host, or not an Intel/AMD CPU with the intel_rapl driver)"))
            return
        case .success(let names):
            var found: [Domain] = []
            var lastError: Errno?
            for zone in names where zone.hasPrefix("intel-rapl:") {
                let path = "\(RAPLReader.root)/\(zone)"
                switch system_read_text("\(path)/energy_uj") {
                case .failure(let e): lastError = e
                case .success:
                    let name = (try? system_read_text("\(path)/name").get())?.trimmed ?? zone
                    let maxRange = Double((try? system_read_text("\(path)/max_energy_range_uj").get())?.trimmed ?? "") ?? 0
                    found.append(Domain(name: name, path: path, maxEnergyMicrojoules: maxRange))
                }
            }
            domains = found
            if !found.isEmpty {
                unavailableReason = nil
            } else if let e = lastError {
                unavailableReason = PerfError(event: RAPLReader.eventName, .missing(e,
                    what: "RAPL zones exist but energy_uj is not readable (\(e)); since Linux 5.10 only root may read it"))
            } else {
                unavailableReason = PerfError(event: RAPLReader.eventName, .missing(.noSuchFileOrDirectory,
                    what: "\(RAPLReader.root) has no intel-rapl zones: the host exposes no RAPL energy counters"))
            }
        }
    }

    /// Current energy of each domain in joules (nil where a read failed).
    public func readJoules() -> [Double?] {
        domains.map { d in
            (try? system_read_text("\(d.path)/energy_uj").get()).flatMap { Double($0.trimmed) }.map { $0 / 1e6 }
        }
    }

    /// Energy between two readings of domain `i`, allowing for one wrap of the counter.
    public func delta(domain i: Int, from a: Double, to b: Double) -> Double {
        b >= a ? b - a : b + domains[i].maxEnergyMicrojoules / 1e6 - a
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
