import Foundation
import Model

/// Resize (opset 10+) and Upsample (7-9), nearest and linear, float32.
///
/// Each output coordinate along each dimension maps to an input coordinate by the
/// node's coordinate transformation; the maps are tabulated at prepare time.
/// Nearest reuses Pad's gather kernel (per-row source offsets + an inner index map).
/// Linear interpolates over the last two dimensions; leading dimensions must keep
/// their size (images: N and C), which covers every model we have seen.
struct BilinearKernel: Kernel {
    let outer: Int, inH: Int, inW: Int
    /// Per output row/column: the two source indices and the weight of the second.
    let h0: [Int], h1: [Int], hw: [Float]
    let w0: [Int], w1: [Int], ww: [Float]

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self), y = context.output(0, as: Float.self)
        let outH = h0.count, outW = w0.count
        let (inH, inW) = (inH, inW)
        h0.withUnsafeBufferPointer { h0 in h1.withUnsafeBufferPointer { h1 in hw.withUnsafeBufferPointer { hw in
        w0.withUnsafeBufferPointer { w0 in w1.withUnsafeBufferPointer { w1 in ww.withUnsafeBufferPointer { ww in
            parallelChunks(context.pool, count: outer * outH, grain: max(1, 8192 / max(outW, 1))) { range in
                for line in range {
                    let p = line / outH, i = line % outH
                    let plane = x + p * inH * inW
                    let r0 = plane + h0[i] * inW, r1 = plane + h1[i] * inW
                    let b = hw[i], a = 1 - b
                    let dst = y + line * outW
                    for j in 0..<outW {
                        let c = ww[j], d = 1 - c
                        let top = r0[w0[j]] * d + r0[w1[j]] * c
                        let bottom = r1[w0[j]] * d + r1[w1[j]] * c
                        dst[j] = top * a + bottom * b
                    }
                }
            }
        } } } } } }
    }
}

/// Maps output position `o` to an input coordinate along one dimension.
func resizeCoordinate(_ o: Int, scale: Double, inLength: Int, outLength: Int, mode: String) -> Double {
    let x = Double(o)
    switch mode {
    case "asymmetric": return x / scale
    case "align_corners": return outLength == 1 ? 0 : x * Double(inLength - 1) / Double(outLength - 1)
    case "pytorch_half_pixel": return outLength > 1 ? (x + 0.5) / scale - 0.5 : 0
    case "tf_half_pixel_for_nearest": return (x + 0.5) / scale
    default: return (x + 0.5) / scale - 0.5 // half_pixel
    }
}

/// Rounds an input coordinate to an index for nearest mode.
func nearestIndex(_ x: Double, mode: String, inLength: Int) -> Int {
    let i: Double
    switch mode {
    case "floor": i = x.rounded(.down)
    case "ceil": i = x.rounded(.up)
    case "round_prefer_ceil": i = (x + 0.5).rounded(.down)
    default: i = x == x.rounded(.down) + 0.5 ? x.rounded(.down) : x.rounded() // round_prefer_floor
    }
    return min(max(Int(i), 0), inLength - 1)
}

let resizeFactory: KernelFactory = { sig in
    let shape = try sig.inputType(0).shape
    let out = try sig.outputType(0).shape
    let rank = shape.count
    guard out.count == rank else { throw sig.shape("output rank \(out.count) differs from input rank \(rank)") }
    var mode = try sig.string("mode", "nearest")
    var coordinates = "asymmetric", nearestMode = "floor"
    var scales: [Double]? = nil
    if sig.node.opType == "Upsample" {
        if mode == "bilinear" { mode = "linear" }
        scales = try (sig.opset < 9 ? sig.floats("scales") : sig.constantFloats(1))?.map { Double($0) }
    } else if sig.opset < 11 {
        scales = sig.constantFloats(1)?.map { Double($0) }
    } else {
        coordinates = try sig.string("coordinate_transformation_mode", "half_pixel")
        nearestMode = try sig.string("nearest_mode", "round_prefer_floor")
        if let s = sig.constantFloats(2), !s.isEmpty { scales = s.map { Double($0) } }
        if let axes = try sig.ints("axes"), let s = scales {
            // Opset 18: scales for a subset of axes.
            var full = [Double](repeating: 1, count: rank)
            for (k, a) in axes.enumerated() where k < s.count { full[try sig.axis(a, rank: rank, name: "axes")] = s[k] }
            scales = full
        }
        guard try sig.int("antialias", 0) == 0 else { throw sig.invalid("antialias", "= 1 is not supported") }
    }
    guard ["asymmetric", "align_corners", "half_pixel", "pytorch_half_pixel", "tf_half_pixel_for_nearest"].contains(coordinates) else {
        throw sig.invalid("coordinate_transformation_mode", "'\(coordinates)' is not supported")
    }
    let scale = (0..<rank).map { d in scales.map { $0.count == rank ? $0[d] : 1 } ?? (shape[d] > 0 ? Double(out[d]) / Double(shape[d]) : 1) }
    for d in 0..<rank where out[d] > 0 && shape[d] == 0 { throw sig.shape("cannot resize an empty dimension \(d)") }
    let count = elementCount(out)
    func coordinate(_ o: Int, _ d: Int) -> Double {
        resizeCoordinate(o, scale: scale[d], inLength: shape[d], outLength: out[d], mode: coordinates)
    }
    switch mode {
    case "nearest":
        let maps = (0..<rank).map { d in (0..<out[d]).map { nearestIndex(coordinate($0, d), mode: nearestMode, inLength: shape[d]) } }
        let strides = contiguousStrides(shape)
        let outer = rank == 0 ? 1 : elementCount(Array(out.dropLast()))
        var rows = [Int](repeating: 0, count: outer)
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        for r in 0..<outer {
            rows[r] = (0..<index.count).reduce(0) { $0 + maps[$1][index[$1]] * strides[$1] }
            var a = index.count - 1
            while a >= 0 { index[a] += 1; if index[a] < out[a] { break }; index[a] = 0; a -= 1 }
        }
        let kernel = PadKernel<Float>(rowSource: rows, innerMap: rank == 0 ? [0] : maps[rank - 1], fill: 0, valueFromInput: false)
        return PreparedKernel(kernel: kernel, computeType: .float32)
    case "linear":
        guard rank >= 1, (0..<max(rank - 2, 0)).allSatisfy({ shape[$0] == out[$0] }) else {
            throw sig.shape("linear resize of leading dimensions (\(shape) -> \(out)) is not supported; only the last two may change")
        }
        func table(_ d: Int?) -> ([Int], [Int], [Float]) {
            guard let d else { return ([0], [0], [0]) }
            var i0: [Int] = [], i1: [Int] = [], w: [Float] = []
            for o in 0..<out[d] {
                let x = min(max(coordinate(o, d), 0), Double(shape[d] - 1))
                let lo = Int(x.rounded(.down))
                i0.append(lo); i1.append(min(lo + 1, shape[d] - 1)); w.append(Float(x - Double(lo)))
            }
            return (i0, i1, w)
        }
        let hd: Int? = rank >= 2 ? rank - 2 : nil
        let (h0, h1, hw) = table(hd), (w0, w1, ww) = table(rank - 1)
        let kernel = BilinearKernel(outer: elementCount(Array(shape.dropLast(hd == nil ? 1 : 2))), inH: hd.map { shape[$0] } ?? 1,
                                    inW: shape[rank - 1], h0: h0, h1: h1, hw: hw, w0: w0, w1: w1, ww: ww)
        // Two lerps along W, one along H: 3 multiply-adds, counted as 6 ops per element.
        return PreparedKernel(kernel: kernel, ops: [.float32: Int64(count * 6)], computeType: .float32)
    default:
        throw sig.invalid("mode", "'\(mode)' is not supported (nearest and linear are)")
    }
}

/// Registers Resize and Upsample for float32.
func registerResizeOperators(_ r: inout KernelRegistry) {
    r.register("Resize", dtypes: [.float32], resizeFactory)
    r.register("Upsample", dtypes: [.float32], resizeFactory)
}
