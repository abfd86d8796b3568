import Model

/// Where the channels sit in a quantized pooling input: NCHW, or NHWC with
/// com.microsoft's `channels_last = 1`.
struct PoolLayout: Sendable {
    let batch: Int, channels: Int
    let spatial: [Int]
    let channelsLast: Bool

    init(_ shape: [Int], channelsLast: Bool) {
        batch = shape[0]
        channels = channelsLast ? shape[shape.count - 1] : shape[1]
        spatial = channelsLast ? Array(shape[1..<(shape.count - 1)]) : Array(shape[2...])
        self.channelsLast = channelsLast
    }

    var planeSize: Int { spatial.reduce(1, *) }
}

/// Reads x_scale(1), x_zp(2), y_scale(3), y_zp(4) of a QLinear pooling node.
private func poolParameters(_ sig: KernelSignature, _ dtype: DType) throws(KernelError) -> (xs: Double, xz: Int32, ys: Double, yz: Int32) {
    let out = try sig.outputType(0)
    guard out.dtype == dtype else { throw sig.shape("output is \(out.dtype), input is \(dtype); they must match") }
    let xs = try constantScalar(sig, 1, "x_scale"), ys = try constantScalar(sig, 3, "y_scale")
    guard xs > 0, ys > 0, xs.isFinite, ys.isFinite else { throw sig.shape("scales must be positive and finite") }
    return (xs, try constantZeroPoint(sig, 2, dtype: dtype), ys, try constantZeroPoint(sig, 4, dtype: dtype))
}

/// com.microsoft QLinearGlobalAveragePool: per (batch, channel), y = requantize(Σ(x − x_zp))
/// with the fixed-point multiplier x_scale / (y_scale · n), n the plane size, rounded
/// half to even, plus y_zp, saturated. Integer throughout.
///
/// Counts 1 op per input element (the sum) plus 3 per output (zero-point
/// correction, fixed-point rescale, clamp) in the input dtype.
struct QLinearGlobalAveragePoolKernel<Q: WholeQuantizedElement>: Kernel {
    let layout: PoolLayout
    let zeroPoints: (x: Int64, y: Int64)
    let multiplier: FixedMultiplier

    func run(_ context: borrowing KernelContext) {
        let x = context.inputs[0]!, y = context.outputs[0]
        let l = layout, n = layout.planeSize, c = layout.channels
        let (zx, zy) = zeroPoints
        let (lo, hi) = (Int64(Q.minValue), Int64(Q.maxValue))
        let m = multiplier
        parallelChunks(context.pool, count: l.batch * c, grain: max(1, (1 << 15) / max(n, 1))) { range in
            for p in range {
                let b = p / c, ch = p % c
                var sum: Int64 = 0
                if l.channelsLast {
                    let base = b * n * c + ch
                    for k in 0..<n { sum &+= Int64(Q.load(x, base + k * c)) }
                } else {
                    let base = p * n
                    for k in 0..<n { sum &+= Int64(Q.load(x, base + k)) }
                }
                let v = m.apply(sum &- Int64(n) &* zx) &+ zy
                Q.store(y, p, Int32(Swift.min(hi, Swift.max(lo, v))))
            }
        }
    }
}

let qlinearGlobalAveragePoolFactory: KernelFactory = { sig in
    let x = try sig.inputType(0)
    guard x.shape.count >= 3 else { throw sig.shape("input \(x.shape) needs batch, channel and spatial axes") }
    let p = try poolParameters(sig, x.dtype)
    let layout = PoolLayout(x.shape, channelsLast: try sig.int("channels_last", 0) != 0)
    try sig.expectOutput(0, count: layout.batch * layout.channels)
    return try withByteQuantized(sig, x.dtype) { q throws(KernelError) in
        func make<Q: WholeQuantizedElement>(_: Q.Type) -> any Kernel {
            QLinearGlobalAveragePoolKernel<Q>(layout: layout, zeroPoints: (Int64(p.xz), Int64(p.yz)),
                                              multiplier: FixedMultiplier(p.xs / (p.ys * Double(layout.planeSize))))
        }
        let outputs = Int64(layout.batch * layout.channels)
        return PreparedKernel(kernel: make(q), ops: [x.dtype: Int64(x.elementCount) + 3 * outputs], computeType: x.dtype)
    }
}

/// The window geometry of a 1-D or 2-D pool (as 2-D with a unit row axis).
struct QuantizedWindow: Sendable {
    let h: Int, w: Int, outH: Int, outW: Int
    let kh: Int, kw: Int, sh: Int, sw: Int
    let padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

    static func make(_ sig: KernelSignature, spatial: [Int], output: [Int]) throws(KernelError) -> QuantizedWindow {
        let rank = spatial.count
        guard rank == 1 || rank == 2 else { throw sig.shape("only 1-D and 2-D windows are supported, input has \(rank) spatial axes") }
        guard let kernel = try sig.ints("kernel_shape"), kernel.count == rank, kernel.allSatisfy({ $0 >= 1 }) else {
            throw sig.invalid("kernel_shape", "is required, with \(rank) positive values")
        }
        if let d = try sig.ints("dilations"), d.contains(where: { $0 != 1 }) { throw sig.invalid("dilations", "other than 1 are not supported") }
        let strides = try linearSpatialAttribute(sig, "strides", count: rank)
        let pads = try linearWindowPads(sig, input: spatial, kernel: kernel, strides: strides, dilations: Array(repeating: 1, count: rank))
        let ceilMode = try sig.int("ceil_mode", 0) != 0
        var out: [Int] = []
        for i in 0..<rank {
            let span = spatial[i] + pads[i].begin + pads[i].end - kernel[i]
            guard span >= 0 else { throw sig.shape("window \(kernel) is larger than the padded input \(spatial)") }
            var o = (ceilMode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
            if ceilMode && (o - 1) * strides[i] >= spatial[i] + pads[i].begin { o -= 1 }
            out.append(o)
        }
        guard out == output else { throw sig.shape("output spatial shape \(output) is not \(out)") }
        let two = rank == 2
        return QuantizedWindow(h: two ? spatial[0] : 1, w: spatial[rank - 1], outH: two ? out[0] : 1, outW: out[rank - 1],
                               kh: two ? kernel[0] : 1, kw: kernel[rank - 1], sh: two ? strides[0] : 1, sw: strides[rank - 1],
                               padTop: two ? pads[0].begin : 0, padLeft: pads[rank - 1].begin,
                               padBottom: two ? pads[0].end : 0, padRight: pads[rank - 1].end)
    }

    var taps: Int { kh * kw }

    /// Valid taps [first, end) of one axis for output position o.
    @inline(__always) static func range(_ o: Int, stride: Int, pad: Int, k: Int, lo: Int, hi: Int) -> (Int, Int) {
        let start = o * stride - pad
        return (Swift.max(0, lo - start), Swift.max(Swift.max(0, lo - start), Swift.min(k, hi - start)))
    }
}

/// An integer pooling window: com.microsoft QLinearAveragePool (mode average: Σ(x − x_zp)
/// over the counted taps, requantized by x_scale / (y_scale · count) with a fixed-point
/// multiplier per possible count) or MaxPool on int8/uint8 (max commutes with a
/// monotonic quantization, so QDQ fusion runs it on the integers directly).
///
/// Counts kH·kW ops per output element (window taps), plus 3 per output for the
/// average's requantization, in the input dtype.
struct QuantizedPoolKernel<Q: WholeQuantizedElement>: Kernel {
    let layout: PoolLayout
    let window: QuantizedWindow
    let isMax: Bool
    let countIncludePad: Bool
    let zeroPoints: (x: Int64, y: Int64)
    /// multipliers[c] for a window of c counted taps (index 0 unused).
    let multipliers: [FixedMultiplier]

    @_specialize(where Q == QUInt8)
    @_specialize(where Q == QInt8)
    func run(_ context: borrowing KernelContext) {
        let x = context.inputs[0]!, y = context.outputs[0]
        let l = layout, win = window, c = l.channels
        let inPlane = win.h * win.w, outPlane = win.outH * win.outW
        let (zx, zy) = zeroPoints
        let (lo, hi) = (Int64(Q.minValue), Int64(Q.maxValue))
        multipliers.withUnsafeBufferPointer { mult in
            parallelChunks(context.pool, count: l.batch * c, grain: max(1, (1 << 14) / max(outPlane * win.taps, 1))) { range in
                for p in range {
                    let b = p / c, ch = p % c
                    // Element (row, col) of this plane and its output slot, in either layout.
                    let inBase = l.channelsLast ? b * inPlane * c + ch : p * inPlane
                    let inStep = l.channelsLast ? c : 1
                    let outBase = l.channelsLast ? b * outPlane * c + ch : p * outPlane
                    for oh in 0..<win.outH {
                        let (r0, r1) = QuantizedWindow.range(oh, stride: win.sh, pad: win.padTop, k: win.kh, lo: 0, hi: win.h)
                        for ow in 0..<win.outW {
                            let (c0, c1) = QuantizedWindow.range(ow, stride: win.sw, pad: win.padLeft, k: win.kw, lo: 0, hi: win.w)
                            let ih0 = oh * win.sh - win.padTop, iw0 = ow * win.sw - win.padLeft
                            var acc: Int64 = isMax ? lo : 0
                            for r in r0..<r1 {
                                let row = inBase + ((ih0 + r) * win.w + iw0) * inStep
                                for k in c0..<c1 {
                                    let v = Int64(Q.load(x, row + k * inStep))
                                    if isMax { acc = Swift.max(acc, v) } else { acc &+= v }
                                }
                            }
                            var v = acc
                            if !isMax {
                                var count = (r1 - r0) * (c1 - c0)
                                if countIncludePad {
                                    let pr = QuantizedWindow.range(oh, stride: win.sh, pad: win.padTop, k: win.kh, lo: -win.padTop, hi: win.h + win.padBottom)
                                    let pc = QuantizedWindow.range(ow, stride: win.sw, pad: win.padLeft, k: win.kw, lo: -win.padLeft, hi: win.w + win.padRight)
                                    // Padding taps hold the real value 0, i.e. the zero point.
                                    let padded = (pr.1 - pr.0) * (pc.1 - pc.0)
                                    acc &+= Int64(padded - count) &* zx
                                    count = padded
                                }
                                v = count > 0 ? mult[count].apply(acc &- Int64(count) &* zx) &+ zy : zy
                            }
                            Q.store(y, outBase + (oh * win.outW + ow) * inStep, Int32(Swift.min(hi, Swift.max(lo, v))))
                        }
                    }
                }
            }
        }
    }
}

/// QLinearAveragePool (`isMax` false) or int8/uint8 MaxPool (`isMax` true).
func quantizedPoolFactory(isMax: Bool) -> KernelFactory {
    return { sig in
        let x = try sig.inputType(0)
        guard x.shape.count == 3 || x.shape.count == 4 else { throw sig.shape("input \(x.shape) must be 3-D or 4-D") }
        if isMax && sig.outputTypes.count > 1 {
            throw KernelError.unsupportedOperator(node: sig.node.name, opType: "MaxPool with the Indices output", domain: "", dtype: x.dtype)
        }
        let out = try sig.outputType(0)
        let channelsLast = try !isMax && sig.int("channels_last", 0) != 0
        let layout = PoolLayout(x.shape, channelsLast: channelsLast)
        let outSpatial = PoolLayout(out.shape, channelsLast: channelsLast).spatial
        let window = try QuantizedWindow.make(sig, spatial: layout.spatial, output: outSpatial)
        var params: (xs: Double, xz: Int32, ys: Double, yz: Int32) = (1, 0, 1, 0)
        if !isMax { params = try poolParameters(sig, x.dtype) } else if out.dtype != x.dtype { throw sig.shape("output is \(out.dtype), input \(x.dtype)") }
        let include = try sig.int("count_include_pad", 0) != 0
        let multipliers = (0...window.taps).map { FixedMultiplier($0 == 0 ? 0 : params.xs / (params.ys * Double($0))) }
        if isMax && !channelsLast && (x.dtype == .uint8 || x.dtype == .int8) {
            let planes = layout.batch * layout.channels
            let kernel = ByteMaxPoolKernel(planes: planes, window: window, signed: x.dtype == .int8)
            return PreparedKernel(kernel: kernel, ops: [x.dtype: Int64(out.elementCount) * Int64(window.taps)], computeType: x.dtype)
        }
        return try withByteQuantized(sig, x.dtype) { q throws(KernelError) in
            func make<Q: WholeQuantizedElement>(_: Q.Type) -> any Kernel {
                QuantizedPoolKernel<Q>(layout: layout, window: window, isMax: isMax, countIncludePad: include,
                                       zeroPoints: (Int64(params.xz), Int64(params.yz)), multipliers: multipliers)
            }
            let outputs = Int64(out.elementCount)
            let ops = outputs * Int64(window.taps) + (isMax ? 0 : 3 * outputs)
            return PreparedKernel(kernel: make(q), ops: [x.dtype: ops], computeType: x.dtype)
        }
    }
}
