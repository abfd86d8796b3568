/// Summary of repeated timings (seconds, or any unit: the fields keep the
/// samples' unit).
public struct LatencyStatistics: Sendable, Hashable, Codable {
    public var count: Int
    public var mean: Double
    /// The 50th percentile (see `percentile` for the interpolation).
    public var median: Double
    public var p90: Double
    public var min: Double
    public var max: Double
    /// Sample standard deviation (divides by n − 1); 0 for a single sample.
    public var standardDeviation: Double

    /// Summarizes `samples`; nil when there are none.
    public init?(samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(count)
        median = Self.percentile(50, ofSorted: sorted)
        p90 = Self.percentile(90, ofSorted: sorted)
        min = sorted[0]
        max = sorted[count - 1]
        let m = mean
        standardDeviation = count > 1
            ? (sorted.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count - 1)).squareRoot()
            : 0
    }

    /// The `p`-th percentile (0...100) of ascending `sorted` samples, linearly
    /// interpolated between closest ranks (numpy's default, "linear"), so the
    /// median of an even count is the mean of the two middle samples.
    public static func percentile(_ p: Double, ofSorted sorted: [Double]) -> Double {
        precondition(!sorted.isEmpty && (0...100).contains(p), "percentile needs samples and 0 <= p <= 100")
        let rank = p / 100 * Double(sorted.count - 1)
        let lower = Int(rank.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let fraction = rank - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
