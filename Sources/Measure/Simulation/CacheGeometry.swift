import Device

/// One simulated cache as cachegrind takes it (`--D1=size,assoc,line`).
public struct CacheGeometry: Sendable, Hashable, Codable {
    public var sizeBytes: Int
    public var associativity: Int
    public var lineBytes: Int
    public init(sizeBytes: Int, associativity: Int, lineBytes: Int) {
        self.sizeBytes = sizeBytes; self.associativity = associativity; self.lineBytes = lineBytes
    }
    /// `size,assoc,line`, the value of cachegrind's `--I1`, `--D1` and `--LL`.
    public var argument: String { "\(sizeBytes),\(associativity),\(lineBytes)" }
    public var sets: Int { sizeBytes / max(associativity * lineBytes, 1) }
}

/// The three caches cachegrind simulates, derived from a device's memory levels.
public struct CachegrindConfiguration: Sendable, Hashable, Codable {
    public var i1: CacheGeometry
    public var d1: CacheGeometry
    public var ll: CacheGeometry
    /// The device levels D1 and LL stand for.
    public var d1Level: String
    public var llLevel: String
    /// What had to change to satisfy cachegrind (rounded set counts, assumed associativity).
    public var notes: [String]

    public init(i1: CacheGeometry, d1: CacheGeometry, ll: CacheGeometry, d1Level: String, llLevel: String, notes: [String] = []) {
        self.i1 = i1; self.d1 = d1; self.ll = ll; self.d1Level = d1Level; self.llLevel = llLevel; self.notes = notes
    }

    /// Associativity assumed for a scratchpad (TCM, SRAM): software places data in
    /// it, which behaves closer to a highly associative cache than a direct-mapped one.
    public static let scratchpadAssociativity = 16

    /// Maps the device's on-chip levels (cache, TCM, SRAM; registers skipped) to
    /// cachegrind: D1 = the closest, LL = the outermost on-chip level, I1 = D1's
    /// geometry (device files do not list instruction caches separately). With a
    /// single on-chip level D1 and LL are the same cache, so LL misses are its misses.
    public static func forDevice(_ spec: DeviceSpec) throws(CachegrindError) -> CachegrindConfiguration {
        let onChip = spec.memoryLevels.filter { [.cache, .tcm, .sram].contains($0.kind) && $0.sizeBytes > 0 }
        guard let first = onChip.first, let last = onChip.last else { throw .noCacheLevel(device: spec.name) }
        var notes: [String] = []
        let d1 = legal(first, notes: &notes)
        let ll = legal(last, notes: &notes)
        if onChip.count == 1 { notes.append("one on-chip level (\(first.name)): D1 and LL both model it") }
        notes.append("I1 uses D1's geometry (no instruction cache listed)")
        return CachegrindConfiguration(i1: d1, d1: d1, ll: ll, d1Level: first.name, llLevel: last.name, notes: notes)
    }

    /// A geometry cachegrind accepts: line a power of two ≥ 16, set count a power of
    /// two. It first keeps the size by changing associativity (12 MiB 16-way → 24-way),
    /// and only if that fails rounds the size down; every change goes into `notes`.
    static func legal(_ level: MemoryLevel, notes: inout [String]) -> CacheGeometry {
        var line = max(16, level.lineBytes)
        if line & (line - 1) != 0 { line = nextPowerOfTwo(line); notes.append("\(level.name): line \(level.lineBytes) B rounded to \(line) B") }
        var assoc = level.associativity ?? scratchpadAssociativity
        if level.associativity == nil { notes.append("\(level.name): scratchpad modeled as a \(assoc)-way cache") }
        let size = level.sizeBytes
        assoc = max(1, min(assoc, size / line))
        var geometry = CacheGeometry(sizeBytes: size, associativity: assoc, lineBytes: line)
        let sets = geometry.sets
        if size % (assoc * line) == 0 && isPowerOfTwo(sets) { return geometry }
        // Try a power-of-two set count near the original whose associativity divides exactly.
        for candidate in [previousPowerOfTwo(max(sets, 1)), nextPowerOfTwo(max(sets, 1))] {
            let a = size / (candidate * line)
            if a >= 1 && a * candidate * line == size && a <= 2 * assoc {
                notes.append("\(level.name): \(assoc)-way → \(a)-way so the set count (\(candidate)) is a power of two, size kept")
                geometry.associativity = a
                return geometry
            }
        }
        let roundedSets = previousPowerOfTwo(max(sets, 1))
        geometry.sizeBytes = roundedSets * assoc * line
        notes.append("\(level.name): size \(size) B rounded down to \(geometry.sizeBytes) B (cachegrind needs a power-of-two set count)")
        return geometry
    }

    static func isPowerOfTwo(_ n: Int) -> Bool { n > 0 && n & (n - 1) == 0 }
    static func nextPowerOfTwo(_ n: Int) -> Int { var p = 1; while p < n { p <<= 1 }; return p }
    static func previousPowerOfTwo(_ n: Int) -> Int { var p = 1; while p * 2 <= n { p <<= 1 }; return p }
}
