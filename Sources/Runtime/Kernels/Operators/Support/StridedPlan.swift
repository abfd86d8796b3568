import Model

/// An iteration plan over a contiguous output of `shape`, reading `k` operands whose
/// element for output coordinate `c` sits at `base[i] + Σ c[d] * strides[i][d]`.
///
/// Broadcasting (stride 0), transposition (permuted strides), slicing (offset base,
/// scaled or negative strides) and tiling (a stride-0 axis split off each dimension)
/// are all such views, so one plan serves the elementwise and the data-movement
/// kernels. Built at prepare time: dimensions of size 1 are dropped and neighbours
/// that every operand walks contiguously are merged, the last remaining dimension
/// becomes the inner loop, and the operands' offsets at the start of every outer row
/// are tabulated, so `run` does no index arithmetic beyond one multiply-add per element.
struct StridedPlan: Sendable {
    /// Operands read per output element.
    let operands: Int
    /// Output elements in total.
    let count: Int
    /// Output elements per row (the merged innermost dimension).
    let inner: Int
    /// Number of rows (`count / inner`, 1 for a scalar).
    let rows: Int
    /// Each operand's stride along the inner dimension, in elements.
    let innerStrides: [Int]
    /// `rowOffsets[row * operands + i]`: operand i's offset at the start of `row`.
    let rowOffsets: [Int]

    init(shape: [Int], strides: [[Int]], bases: [Int]? = nil) {
        let k = strides.count
        operands = k
        count = shape.reduce(1, *)
        // Drop size-1 dimensions: they contribute nothing to any offset.
        var dims: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: k)
        for d in shape.indices where shape[d] != 1 {
            dims.append(shape[d])
            for i in 0..<k { st[i].append(strides[i][d]) }
        }
        // Merge dimension d into d+1 when every operand steps over d exactly as a
        // full run of d+1: (d, d+1) then behaves as one dimension of size n_d * n_{d+1}.
        var d = dims.count - 2
        while d >= 0 {
            if (0..<k).allSatisfy({ st[$0][d] == st[$0][d + 1] * dims[d + 1] }) {
                dims[d + 1] *= dims[d]
                dims.remove(at: d)
                for i in 0..<k { st[i].remove(at: d) }
            }
            d -= 1
        }
        let base = bases ?? Array(repeating: 0, count: k)
        if count == 0 {
            inner = 0; rows = 0; innerStrides = Array(repeating: 0, count: k); rowOffsets = []
            return
        }
        guard let last = dims.last else {
            inner = 1; rows = 1; innerStrides = Array(repeating: 0, count: k); rowOffsets = base
            return
        }
        inner = last
        innerStrides = (0..<k).map { st[$0][dims.count - 1] }
        let outer = Array(dims.dropLast())
        let nRows = outer.reduce(1, *)
        rows = nRows
        var table = [Int](repeating: 0, count: nRows * k)
        var index = [Int](repeating: 0, count: outer.count)
        var offsets = base
        for r in 0..<nRows {
            for i in 0..<k { table[r * k + i] = offsets[i] }
            // Odometer step over the outer dimensions, updating offsets incrementally.
            var a = outer.count - 1
            while a >= 0 {
                index[a] += 1
                for i in 0..<k { offsets[i] += st[i][a] }
                if index[a] < outer[a] { break }
                for i in 0..<k { offsets[i] -= st[i][a] * outer[a] }
                index[a] = 0
                a -= 1
            }
        }
        rowOffsets = table
    }

    /// Calls `body(offsets, start, n, out)` for consecutive segments covering the output:
    /// for j in 0..<n, operand i's element is at `offsets[i] + (start + j) * innerStrides[i]`
    /// and the output element is `out + j`. Segments are spread over `pool` when the
    /// output has at least `grain` elements per thread.
    @inline(__always)
    func forEachSegment(_ pool: ThreadPool, grain: Int = 1 << 15,
                        _ body: (_ offsets: UnsafePointer<Int>, _ start: Int, _ n: Int, _ out: Int) -> Void) {
        guard count > 0 else { return }
        rowOffsets.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            let k = operands
            if rows == 1 {
                // One long row: split the row itself.
                parallelChunks(pool, count: inner, grain: grain) { range in
                    body(t, range.lowerBound, range.count, range.lowerBound)
                }
            } else {
                let rowGrain = max(1, grain / max(inner, 1))
                parallelChunks(pool, count: rows, grain: rowGrain) { range in
                    for r in range { body(t + r * k, 0, inner, r * inner) }
                }
            }
        }
    }
}

/// Numpy-style broadcast strides of an operand of `shape` viewed in `outShape`
/// (right-aligned; size-1 dimensions get stride 0). Nil when not broadcastable.
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int]? {
    guard shape.count <= outShape.count else { return nil }
    let own = contiguousStrides(shape)
    let lead = outShape.count - shape.count
    var result = [Int](repeating: 0, count: outShape.count)
    for d in shape.indices {
        let o = d + lead
        if shape[d] == outShape[o] { result[o] = shape[d] == 1 ? 0 : own[d] }
        else if shape[d] == 1 { result[o] = 0 }
        else { return nil }
    }
    return result
}

/// The numpy broadcast of several shapes, or nil when they are incompatible.
func broadcastShape(_ shapes: [[Int]]) -> [Int]? {
    let rank = shapes.map(\.count).max() ?? 0
    var out = [Int](repeating: 1, count: rank)
    for s in shapes {
        let lead = rank - s.count
        for d in s.indices {
            let o = d + lead
            if out[o] == 1 { out[o] = s[d] } else if s[d] != 1 && s[d] != out[o] { return nil }
        }
    }
    return out
}

/// Copies elements of `elementSize` bytes through a one-operand plan: the output is
/// written contiguously, the source is read through the plan's strides. Runs whose
/// source is contiguous become `memcpy`.
struct StridedCopy: Sendable {
    let plan: StridedPlan
    let elementSize: Int

    init(shape: [Int], sourceStrides: [Int], sourceBase: Int = 0, elementSize: Int) {
        plan = StridedPlan(shape: shape, strides: [sourceStrides], bases: [sourceBase])
        self.elementSize = elementSize
    }

    /// Copies from `src` to `dst` (the output, contiguous).
    func run(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, pool: ThreadPool) {
        let es = elementSize
        let s = plan.innerStrides[0]
        plan.forEachSegment(pool, grain: 1 << 18) { offsets, start, n, out in
            let from = offsets[0] + start * s
            if s == 1 {
                (dst + out * es).copyMemory(from: src + from * es, byteCount: n * es)
                return
            }
            switch es {
            case 1: Self.gather(src, UInt8.self, from, s, dst, out, n)
            case 2: Self.gather(src, UInt16.self, from, s, dst, out, n)
            case 4: Self.gather(src, UInt32.self, from, s, dst, out, n)
            case 8: Self.gather(src, UInt64.self, from, s, dst, out, n)
            default:
                for j in 0..<n { (dst + (out + j) * es).copyMemory(from: src + (from + j * s) * es, byteCount: es) }
            }
        }
    }

    @inline(__always)
    private static func gather<T: BitwiseCopyable>(_ src: UnsafeRawPointer, _: T.Type, _ from: Int, _ s: Int,
                                                   _ dst: UnsafeMutableRawPointer, _ out: Int, _ n: Int) {
        let a = src.assumingMemoryBound(to: T.self) + from
        let o = dst.assumingMemoryBound(to: T.self) + out
        for j in 0..<n { o[j] = a[j * s] }
    }
}
