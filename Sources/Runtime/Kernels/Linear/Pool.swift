import Model
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MaxPool, AveragePool and LpPool over NCHW fp32, 1-D and 2-D: pads, auto_pad, strides,
/// dilations, ceil_mode; count_include_pad for AveragePool, p for LpPool. Planes are
/// spread over the pool's threads. MaxPool's optional Indices output is not supported.
struct PoolKernel: Kernel {
    enum Kind: Sendable { case max, average, lp }
    var kind: Kind
    var shape: ConvShape
    var countIncludePad: Bool
    var p: Float
    var slots: Int

    static func prepare(_ sig: KernelSignature, kind: Kind) throws(KernelError) -> PreparedKernel {
        let x = try sig.linearFloatInput(0)
        let rank = x.shape.count - 2
        guard rank == 1 || rank == 2 else {
            throw .unsupportedOperator(node: sig.node.name, opType: "\(sig.node.opType) (\(max(rank, 0))-D)", domain: "", dtype: .float32)
        }
        if kind == .max && sig.outputTypes.count > 1 {
            throw .unsupportedOperator(node: sig.node.name, opType: "MaxPool with the Indices output", domain: "", dtype: .float32)
        }
        guard let kernel = try sig.linearInts("kernel_shape"), kernel.count == rank, kernel.allSatisfy({ $0 >= 1 }) else {
            throw sig.linearInvalid("kernel_shape", "is required, with \(rank) positive values")
        }
        let spatial = Array(x.shape.dropFirst(2))
        let strides = try linearSpatialAttribute(sig, "strides", count: rank)
        let dilations = try linearSpatialAttribute(sig, "dilations", count: rank)
        let pads = try linearWindowPads(sig, input: spatial, kernel: kernel, strides: strides, dilations: dilations)
        let ceilMode = try sig.linearInt("ceil_mode", default: 0) != 0
        var out: [Int] = []
        for i in 0..<rank {
            let extent = (kernel[i] - 1) * dilations[i] + 1
            let span = spatial[i] + pads[i].begin + pads[i].end - extent
            guard span >= 0 else { throw sig.linearMismatch("window \(kernel) is larger than the padded input \(spatial)") }
            var o = (ceilMode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
            // The last window must start inside the input or its leading pad.
            if ceilMode && (o - 1) * strides[i] >= spatial[i] + pads[i].begin { o -= 1 }
            out.append(o)
        }
        let expected = Array(x.shape.prefix(2)) + out
        guard sig.outputTypes.first?.shape == expected else { throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) is not \(expected)") }
        let (kh, kw) = ConvShape.hw(kernel, fill: 1), (sh, sw) = ConvShape.hw(strides, fill: 1)
        let (dh, dw) = ConvShape.hw(dilations, fill: 1), (h, wd) = ConvShape.hw(spatial, fill: 1)
        let (oh, ow) = ConvShape.hw(out, fill: 1)
        let top = rank == 2 ? pads[0] : LinearAxisPads(begin: 0, end: 0), left = pads[rank - 1]
        let shape = ConvShape(batch: x.shape[0], inChannels: x.shape[1], outChannels: x.shape[1], group: 1, height: h, width: wd,
                              outH: oh, outW: ow, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw,
                              dilationH: dh, dilationW: dw, padTop: top.begin, padLeft: left.begin,
                              padBottom: top.end, padRight: left.end)
        let include = try sig.linearInt("count_include_pad", default: 0) != 0
        let p = Float(try sig.linearInt("p", default: 2))
        let k = PoolKernel(kind: kind, shape: shape, countIncludePad: include, p: p, slots: sig.linearSlots)
        let ops = linearElements(expected) * Int64(shape.taps)
        return PreparedKernel(kernel: k, ops: [.float32: ops], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self)
        let y = context.output(0, as: Float.self)
        let planes = shape.batch * shape.inChannels
        let tasks = min(max(1, min(slots, context.pool.threadCount)), planes)
        context.pool.parallelFor(tasks) { t in
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                plane(x + p * shape.inPlane, y + p * shape.outPlane)
            }
        }
    }

    /// Taps of one axis inside [lo, hi): output position o, kernel size k, dilation d.
    @inline(__always)
    static func taps(_ o: Int, stride: Int, pad: Int, k: Int, d: Int, lo: Int, hi: Int) -> (first: Int, end: Int) {
        let start = o * stride - pad
        // First tap ≥ lo and one past the last tap < hi.
        let first = start >= lo ? 0 : (lo - start + d - 1) / d
        let end = start + (k - 1) * d < hi ? k : max(0, (hi - start + d - 1) / d)
        return (first, max(first, end))
    }

    private func plane(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let s = shape
        for oh in 0..<s.outH {
            let rows = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: 0, hi: s.height)
            let (vectorFrom, vectorTo) = vectorColumns
            var ow = 0
            while ow < s.outW {
                if ow >= vectorFrom && ow + 8 <= vectorTo {
                    vectorOutputs(x, y, oh: oh, ow: ow, rows: rows)
                    ow += 8
                    continue
                }
                defer { ow += 1 }
                let cols = Self.taps(ow, stride: s.strideW, pad: s.padLeft, k: s.kernelW, d: s.dilationW, lo: 0, hi: s.width)
                let ih0 = oh * s.strideH - s.padTop, iw0 = ow * s.strideW - s.padLeft
                var value: Float
                switch kind {
                case .max:
                    value = -.infinity
                    for r in rows.first..<rows.end {
                        let row = x + (ih0 + r * s.dilationH) * s.width + iw0
                        for c in cols.first..<cols.end { value = Swift.max(value, row[c * s.dilationW]) }
                    }
                case .average:
                    value = 0
                    for r in rows.first..<rows.end {
                        let row = x + (ih0 + r * s.dilationH) * s.width + iw0
                        for c in cols.first..<cols.end { value += row[c * s.dilationW] }
                    }
                    var count = (rows.end - rows.first) * (cols.end - cols.first)
                    if countIncludePad {
                        let pr = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: -s.padTop, hi: s.height + s.padBottom)
                        let pc = Self.taps(ow, stride: s.strideW, pad: s.padLeft, k: s.kernelW, d: s.dilationW, lo: -s.padLeft, hi: s.width + s.padRight)
                        count = (pr.end - pr.first) * (pc.end - pc.first)
                    }
                    value = count > 0 ? value / Float(count) : 0
                case .lp:
                    value = 0
                    for r in rows.first..<rows.end {
                        let row = x + (ih0 + r * s.dilationH) * s.width + iw0
                        for c in cols.first..<cols.end {
                            let v = Swift.abs(row[c * s.dilationW])
                            value += p == 2 ? v * v : (p == 1 ? v : powf(v, p))
                        }
                    }
                    value = p == 2 ? value.squareRoot() : (p == 1 ? value : powf(value, 1 / p))
                }
                y[oh * s.outW + ow] = value
            }
        }
    }
}

/// GlobalAveragePool and GlobalMaxPool over every spatial axis (any rank ≥ 3), SIMD8 reductions.
struct GlobalPoolKernel: Kernel {
    var isMax: Bool
    var planes: Int
    var planeSize: Int
    var slots: Int

    static func prepare(_ sig: KernelSignature, isMax: Bool) throws(KernelError) -> PreparedKernel {
        let x = try sig.linearFloatInput(0)
        guard x.shape.count >= 3 else { throw sig.linearMismatch("input \(x.shape) needs batch, channel and spatial axes") }
        let expected = Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.shape.count - 2)
        guard sig.outputTypes.first?.shape == expected else { throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) is not \(expected)") }
        let k = GlobalPoolKernel(isMax: isMax, planes: x.shape[0] * x.shape[1], planeSize: x.shape.dropFirst(2).reduce(1, *), slots: sig.linearSlots)
        return PreparedKernel(kernel: k, ops: [.float32: linearElements(x.shape)], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self)
        let y = context.output(0, as: Float.self)
        let tasks = min(max(1, min(slots, context.pool.threadCount)), planes)
        context.pool.parallelFor(tasks) { t in
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                let src = x + p * planeSize
                y[p] = isMax ? LinearSIMD.max(src, planeSize) : LinearSIMD.sum(src, planeSize) / Float(planeSize)
            }
        }
    }
}

/// Small SIMD8 helpers shared by pools and normalizations.
enum LinearSIMD {
    @inline(__always) static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 16 <= n {
            acc0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 += raw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    @inline(__always) static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: -.infinity)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc = acc.replacing(with: v, where: acc .< v)
            i += 8
        }
        var m = acc.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }

    /// y[i] = x[i] · a + b.
    @inline(__always) static func scaleShift(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ a: Float, _ b: Float) {
        let va = SIMD8<Float>(repeating: a), vb = SIMD8<Float>(repeating: b)
        let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= n {
            dst.storeBytes(of: vb.addingProduct(src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), va), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] = x[i] * a + b; i += 1 }
    }
}

extension PoolKernel {
    /// Output columns [from, to) whose windows lie wholly inside the row, where 8 outputs
    /// are computed at once: max and average, dilation 1, stride 1 or 2. For stride 2 the
    /// 16-float load of the last tap must stay inside the row too. Empty otherwise.
    private var vectorColumns: (Int, Int) {
        let s = shape
        guard kind != .lp, s.dilationW == 1, s.strideW == 1 || s.strideW == 2 else { return (0, 0) }
        let from = (s.padLeft + s.strideW - 1) / s.strideW
        // Last element a window at ow loads: ow·stride − pad + (kW − 1) + (stride 2: one more lane).
        let reach = (s.kernelW - 1) + (s.strideW == 2 ? 1 : 0)
        let to = min(s.outW, (s.width - 1 - reach + s.padLeft) / s.strideW + 1)
        return to > from ? (from, to) : (0, 0)
    }

    /// Eight adjacent outputs of row `oh` from ow, all taps inside the row.
    @inline(__always)
    private func vectorOutputs(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, oh: Int, ow: Int, rows: (first: Int, end: Int)) {
        typealias V = SIMD8<Float>
        let s = shape
        let ih0 = oh * s.strideH - s.padTop, iw0 = ow * s.strideW - s.padLeft
        var acc = kind == .max ? V(repeating: -.infinity) : V()
        for r in rows.first..<rows.end {
            let row = UnsafeRawPointer(x + (ih0 + r * s.dilationH) * s.width + iw0)
            for c in 0..<s.kernelW {
                let v = s.strideW == 1 ? row.loadUnaligned(fromByteOffset: c * 4, as: V.self)
                    : row.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self).evenHalf
                // `replacing(with:where:)` is a compare and a blend; `pointwiseMax` compiles lane by lane.
                acc = kind == .max ? acc.replacing(with: v, where: acc .< v) : acc + v
            }
        }
        if kind == .average {
            var count = (rows.end - rows.first) * s.kernelW
            if countIncludePad {
                let pr = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: -s.padTop, hi: s.height + s.padBottom)
                count = (pr.end - pr.first) * s.kernelW
            }
            acc = count > 0 ? acc / V(repeating: Float(count)) : V()
        }
        UnsafeMutableRawPointer(y + oh * s.outW + ow).storeBytes(of: acc, as: V.self)
    }
}
