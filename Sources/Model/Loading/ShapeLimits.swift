/// Checked arithmetic on shapes. Hostile files and graphs may declare any
/// dimension; every element count computed from one goes through here so that
/// a product never overflows `Int` (a trap) and nothing absurd is allocated.
enum ShapeLimits {
    /// The largest element count Picojoule accepts for one tensor (2^40).
    static let maxElements = 1 << 40

    /// The element count of `shape`, or nil when a dimension is negative or the
    /// product overflows or exceeds `maxElements`.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxElements else { return nil }
            count = product
        }
        return count
    }

    /// Like `elementCount`, throwing `ModelError.dimensionOverflow` naming `value`.
    static func checkedCount(_ shape: [Int], value: String) throws(ModelError) -> Int {
        guard let n = elementCount(shape) else { throw .dimensionOverflow(value: value, shape: shape) }
        return n
    }

    /// Converts a file's Int64 dimension, refusing negatives and values over the limit.
    static func dimension(_ d: Int64, value: String, shape: [Int64]) throws(ModelError) -> Int {
        guard d >= 0, d <= Int64(maxElements) else { throw .dimensionOverflow(value: value, shape: shape.map { Int(clamping: $0) }) }
        return Int(d)
    }
}
