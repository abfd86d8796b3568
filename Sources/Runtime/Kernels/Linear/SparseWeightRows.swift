import Model

/// A constant weight matrix (rows × depth) kept as its non-zero entries, row by row
/// (CSR): what a pruned Conv multiplies with when that is faster than dense.
///
/// Built once at prepare from the dense initializer; the dense copy is not kept, so
/// the bytes a run reads are these arrays (4-byte value + 4-byte column per non-zero).
struct SparseWeightRows: Sendable {
    /// `rowStart[r]..<rowStart[r + 1]` indexes row r's entries.
    let rowStart: [Int32]
    let columns: [Int32]
    let values: [Float]
    let rows: Int, depth: Int

    var nonZeros: Int { values.count }
    var density: Double { rows * depth == 0 ? 1 : Double(nonZeros) / Double(rows * depth) }
    var byteCount: Int { rowStart.count * 4 + columns.count * 4 + values.count * 4 }

    /// Density at or below which a Conv runs sparse. The sparse kernel does one FMA per
    /// non-zero and column against the dense tile's full register reuse, so it wins only
    /// well past half sparsity (docs/BENCHMARKS.md, "Pruned weights").
    static let maximumDensity = 0.4

    /// Fraction of non-zero entries, without building the rows.
    static func density(_ w: UnsafePointer<Float>, count: Int) -> Double {
        guard count > 0 else { return 1 }
        var nonZero = 0
        for i in 0..<count where w[i] != 0 { nonZero += 1 }
        return Double(nonZero) / Double(count)
    }

    init(_ w: UnsafePointer<Float>, rows: Int, depth: Int) {
        var start: [Int32] = [0], cols: [Int32] = [], vals: [Float] = []
        start.reserveCapacity(rows + 1)
        for r in 0..<rows {
            let row = w + r * depth
            for k in 0..<depth where row[k] != 0 {
                cols.append(Int32(k))
                vals.append(row[k])
            }
            start.append(Int32(vals.count))
        }
        rowStart = start; columns = cols; values = vals
        self.rows = rows; self.depth = depth
    }
}
