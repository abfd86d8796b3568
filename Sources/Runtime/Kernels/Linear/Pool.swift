import CKernels
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
    /// Whether planes go through `paddedPlane` (`takesPaddedRows`), decided once at prepare.
    var paddedRows = false
    /// A max or average window that is the whole unpadded plane (ResNet-50's 7×7
    /// AveragePool over 7×7 planes): one reduction of the contiguous plane, as
    /// GlobalAveragePool does, instead of seven rows of seven reduced lane by lane.
    /// An unpadded 3×3 stride-2 max pool whose windows all lie inside the plane:
    /// `ck_maxpool3x3s2_plane` (x86-64; with AVX2 only, rows of at least 8 outputs).
    var maxPool3x3s2: Bool {
        #if arch(x86_64)
        let s = shape
        guard kind == .max, s.kernelH == 3, s.kernelW == 3, s.strideH == 2, s.strideW == 2, KernelTarget.usesAVX512 || s.outW >= 8,
              s.dilationH == 1, s.dilationW == 1, s.padTop == 0, s.padLeft == 0, s.padBottom == 0, s.padRight == 0 else { return false }
        return s.outH == (s.height - 3) / 2 + 1 && s.outW == (s.width - 3) / 2 + 1
        #else
        false
        #endif
    }

    var wholePlane: Bool {
        let s = shape
        return kind != .lp && s.outH == 1 && s.outW == 1 && s.kernelH == s.height && s.kernelW == s.width
            && s.padTop == 0 && s.padLeft == 0 && s.padBottom == 0 && s.padRight == 0 && s.dilationH == 1 && s.dilationW == 1
    }

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
        let k = Self.planes(kind: kind, shape: shape, countIncludePad: include, p: p, slots: sig.linearSlots)
        let ops = linearElements(expected) * Int64(shape.taps)
        return PreparedKernel(kernel: k, scratchBytes: k.scratchBytes, ops: [.float32: ops], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        run(x: context.input(0, as: Float.self), y: context.output(0, as: Float.self),
            scratch: context.scratch.assumingMemoryBound(to: Float.self), pool: context.pool)
    }

    /// A pool over NCHW planes of `shape`, its row path decided once (`prepare`, and
    /// `ConvKernel`'s fused pool on paths that cannot run by bands).
    static func planes(kind: Kind, shape: ConvShape, countIncludePad: Bool = false, p: Float = 2, slots: Int) -> PoolKernel {
        var k = PoolKernel(kind: kind, shape: shape, countIncludePad: countIncludePad, p: p, slots: slots)
        k.paddedRows = k.takesPaddedRows
        return k
    }

    /// Scratch bytes of `run`.
    var scratchBytes: Int { kind == .lp ? 0 : Self.rowBufferFloats(shape) * 4 * slots }

    func run(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let planes = shape.batch * shape.inChannels
        let tasks = min(max(1, min(slots, pool.threadCount)), planes)
        #if arch(x86_64)
        if maxPool3x3s2 {
            let s = shape
            pool.parallelFor(tasks) { t in
                for p in planes * t / tasks..<planes * (t + 1) / tasks {
                    ck_maxpool3x3s2_plane(x + p * s.inPlane, s.width, s.outH, s.outW, y + p * s.outPlane)
                }
            }
            return
        }
        #endif
        if wholePlane {
            let size = shape.inPlane
            pool.parallelFor(tasks) { t in
                for p in planes * t / tasks..<planes * (t + 1) / tasks {
                    let src = x + p * size
                    y[p] = kind == .max ? LinearSIMD.max(src, size) : LinearSIMD.sum(src, size) / Float(size)
                }
            }
            return
        }
        pool.parallelFor(tasks) { t in
            let buffer = scratch + t * Self.rowBufferFloats(shape)
            if paddedRows {
                preparePaddedRows(buffer)
                for p in planes * t / tasks..<planes * (t + 1) / tasks {
                    if kind == .max {
                        paddedPlane(MaxOfTaps.self, x + p * shape.inPlane, y + p * shape.outPlane, buffer: buffer)
                    } else {
                        paddedPlane(SumOfTaps.self, x + p * shape.inPlane, y + p * shape.outPlane, buffer: buffer)
                    }
                }
                return
            }
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                plane(x + p * shape.inPlane, y + p * shape.outPlane, rowBuffer: buffer)
            }
        }
    }

    /// One thread's buffer: the row of window rows reduced (`rowOutputs`, with room for
    /// the 16-float loads of stride 2 past its end), or `paddedPlane`'s padded row, its
    /// even and odd halves and the column tap counts.
    static func rowBufferFloats(_ s: ConvShape) -> Int {
        let l = paddedRowFloats(s)
        return max(s.width + 32, 2 * l + s.outW + 48)
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

    private func plane(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rowBuffer: UnsafeMutablePointer<Float>) {
        let s = shape
        let (vectorFrom, vectorTo) = vectorColumns
        let vector = vectorTo - vectorFrom >= 8
        for oh in 0..<s.outH {
            let rows = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: 0, hi: s.height)
            if vector {
                if kind == .max {
                    rowOutputs(MaxOfTaps.self, x, y, oh: oh, rows: rows, from: vectorFrom, to: vectorTo, buffer: rowBuffer)
                } else {
                    rowOutputs(SumOfTaps.self, x, y, oh: oh, rows: rows, from: vectorFrom, to: vectorTo, buffer: rowBuffer)
                }
            }
            var ow = 0
            while ow < s.outW {
                if vector && ow == vectorFrom {
                    ow = vectorTo
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
        run(x: context.input(0, as: Float.self), y: context.output(0, as: Float.self), pool: context.pool)
    }

    /// Each of `planes` planes of `x` reduced into y (also `ConvKernel`'s fused average on
    /// paths that store the conv's output first).
    func run(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let tasks = min(max(1, min(slots, pool.threadCount)), planes)
        pool.parallelFor(tasks) { t in
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                let src = x + p * planeSize
                y[p] = isMax ? LinearSIMD.max(src, planeSize) : LinearSIMD.sum(src, planeSize) / Float(planeSize)
            }
        }
    }
}

/// How `PoolKernel.rowOutputs` folds taps, eight or one at a time.
protocol TapReduction {
    /// The output of a window with no taps inside the input.
    static var scalarIdentity: Float { get }
    static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func combine(_ a: Float, _ b: Float) -> Float
}

enum MaxOfTaps: TapReduction {
    static var scalarIdentity: Float { -.infinity }
    // A compare and a blend; `pointwiseMax` compiles lane by lane.
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: a .< b) }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { a < b ? b : a }
}

enum SumOfTaps: TapReduction {
    static var scalarIdentity: Float { 0 }
    @inline(__always) static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float { a + b }
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

    /// y[i] += r[i], then clamped at zero when `relu`: a fused residual on the conv paths
    /// that store without an addend. Split over the pool like the kernels' planes.
    static func addInPlace(_ y: UnsafeMutablePointer<Float>, _ r: UnsafePointer<Float>, _ n: Int, relu: Bool, pool: ThreadPool, slots: Int) {
        let tasks = Swift.max(1, Swift.min(Swift.min(slots, pool.threadCount), n / 4096 + 1))
        pool.parallelFor(tasks) { t in
            let lo = n * t / tasks, hi = n * (t + 1) / tasks
            let dst = UnsafeMutableRawPointer(y + lo), src = UnsafeRawPointer(r + lo)
            let count = hi - lo
            var i = 0
            while i + 8 <= count {
                var v = dst.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                if relu { v = v.replacing(with: 0, where: v .< 0) }
                dst.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count {
                let v = y[lo + i] + r[lo + i]
                y[lo + i] = relu && v < 0 ? 0 : v
                i += 1
            }
        }
    }

    /// y[i] = max(0, x[i] · a + b).
    @inline(__always) static func scaleShiftRelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ a: Float, _ b: Float) {
        let va = SIMD8<Float>(repeating: a), vb = SIMD8<Float>(repeating: b)
        let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= n {
            let v = vb.addingProduct(src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), va)
            // A compare and a blend; `pointwiseMax` compiles lane by lane.
            dst.storeBytes(of: v.replacing(with: 0, where: v .< 0), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] = Swift.max(0, x[i] * a + b); i += 1 }
    }
}

extension PoolKernel {
    /// Output columns [from, to) whose windows lie wholly inside the row, which
    /// `rowOutputs` computes eight at a time: max and average, dilation 1, stride 1 or 2.
    /// Empty otherwise.
    private var vectorColumns: (Int, Int) {
        let s = shape
        guard kind != .lp, s.dilationW == 1, s.strideW == 1 || s.strideW == 2 else { return (0, 0) }
        let from = (s.padLeft + s.strideW - 1) / s.strideW
        // The last input column a window at ow reads: ow·stride − pad + kW − 1.
        let to = min(s.outW, (s.width - s.kernelW + s.padLeft) / s.strideW + 1)
        return to > from ? (from, to) : (0, 0)
    }

    /// Outputs [from, to) of row `oh`, whose windows lie inside the row: the window's
    /// rows are reduced first into `t` (one pass over the input row, eight columns at a
    /// time), then the row of kW taps, eight outputs at a time. Reducing rows first takes
    /// kH + kW steps per output instead of kH · kW, and for stride 2 kW deinterleaves
    /// instead of kH · kW (SqueezeNet's 3×3 MaxPools took 5 times onnxruntime's time).
    /// Generic over the reduction so that no loop tests the pool's kind.
    @inline(__always)
    private func rowOutputs<R: TapReduction>(_: R.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, oh: Int,
                                             rows: (first: Int, end: Int), from: Int, to: Int, buffer t: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let s = shape
        let out = y + oh * s.outW
        guard rows.end > rows.first else {
            for ow in from..<to { out[ow] = R.scalarIdentity }
            return
        }
        let n = (to - 1 - from) * s.strideW + s.kernelW
        let src = UnsafeRawPointer(x + (oh * s.strideH - s.padTop + rows.first * s.dilationH) * s.width + from * s.strideW - s.padLeft)
        let rowBytes = s.dilationH * s.width * 4
        let buffer = UnsafeMutableRawPointer(t)
        var i = 0
        if rows.end - rows.first == 3 {
            // The 3-row window of nearly every pool, without the generic row loop's
            // bookkeeping between the loads.
            while i + 8 <= n {
                let a = src.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                let b = src.loadUnaligned(fromByteOffset: i * 4 + rowBytes, as: V.self)
                let c = src.loadUnaligned(fromByteOffset: i * 4 + 2 * rowBytes, as: V.self)
                buffer.storeBytes(of: R.combine(R.combine(a, b), c), toByteOffset: i * 4, as: V.self)
                i += 8
            }
        }
        while i + 8 <= n {
            var v = src.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            var offset = i * 4 + rowBytes
            for _ in rows.first + 1..<rows.end {
                v = R.combine(v, src.loadUnaligned(fromByteOffset: offset, as: V.self))
                offset += rowBytes
            }
            buffer.storeBytes(of: v, toByteOffset: i * 4, as: V.self)
            i += 8
        }
        while i < n {
            var v = src.load(fromByteOffset: i * 4, as: Float.self)
            var offset = i * 4 + rowBytes
            for _ in rows.first + 1..<rows.end {
                v = R.combine(v, src.load(fromByteOffset: offset, as: Float.self))
                offset += rowBytes
            }
            t[i] = v
            i += 1
        }
        var divisor: V?
        if kind == .average {
            var count = (rows.end - rows.first) * s.kernelW
            if countIncludePad {
                let pr = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: -s.padTop, hi: s.height + s.padBottom)
                count = (pr.end - pr.first) * s.kernelW
            }
            divisor = V(repeating: Float(count))
        }
        let columns = to - from
        var j = 0
        while j < columns {
            // A last group that would run past `to` overlaps the one before instead (the
            // shared outputs are written twice, equal).
            let g = min(j, columns - 8)
            var acc: V
            if s.strideW == 1 {
                acc = buffer.loadUnaligned(fromByteOffset: g * 4, as: V.self)
                for c in 1..<s.kernelW { acc = R.combine(acc, buffer.loadUnaligned(fromByteOffset: (g + c) * 4, as: V.self)) }
            } else {
                acc = buffer.loadUnaligned(fromByteOffset: 2 * g * 4, as: SIMD16<Float>.self).evenHalf
                for c in 1..<s.kernelW {
                    acc = R.combine(acc, buffer.loadUnaligned(fromByteOffset: (2 * g + c) * 4, as: SIMD16<Float>.self).evenHalf)
                }
            }
            // Every window here has kW columns and at least one row, so the count is positive.
            if let divisor { acc /= divisor }
            UnsafeMutableRawPointer(out + from + g).storeBytes(of: acc, as: V.self)
            j = g + 8
        }
    }
}

extension PoolKernel {
    /// Floats of `paddedPlane`'s row: every column a window reads (pads and ceil_mode's
    /// extra window included), then 16 spare for a last group's loads.
    static func paddedRowFloats(_ s: ConvShape) -> Int {
        max(s.padLeft + s.width, (s.outW - 1) * s.strideW + s.kernelW) + 16
    }

    /// Max and average pools with dilation 1 across, stride 1 or 2 across, and at least
    /// one input tap in every window go through `paddedPlane`.
    var takesPaddedRows: Bool {
        let s = shape
        guard kind != .lp, s.dilationW == 1, s.strideW == 1 || s.strideW == 2 else { return false }
        for oh in 0..<s.outH {
            let r = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: 0, hi: s.height)
            if r.end <= r.first { return false }
        }
        for ow in 0..<s.outW {
            let c = Self.taps(ow, stride: s.strideW, pad: s.padLeft, k: s.kernelW, d: 1, lo: 0, hi: s.width)
            if c.end <= c.first { return false }
        }
        return true
    }

    /// The parts of one thread's buffer that stay fixed across planes: the padded row's
    /// pad columns (the reduction's identity, never overwritten) and, for an average,
    /// each output column's tap count.
    private func preparePaddedRows(_ buffer: UnsafeMutablePointer<Float>) {
        let s = shape
        let l = Self.paddedRowFloats(s)
        buffer.update(repeating: kind == .max ? -.infinity : 0, count: l)
        // The halves' pad entries, which `ck_reduce3_deinterleave` leaves as they are.
        if s.strideW == 2 { ck_deinterleave_f32(buffer, l, buffer + l, buffer + l + (l + 1) / 2 + 8) }
        let counts = buffer + 2 * l + 32
        for ow in 0..<s.outW {
            let c = countIncludePad
                ? Self.taps(ow, stride: s.strideW, pad: s.padLeft, k: s.kernelW, d: 1, lo: -s.padLeft, hi: s.width + s.padRight)
                : Self.taps(ow, stride: s.strideW, pad: s.padLeft, k: s.kernelW, d: 1, lo: 0, hi: s.width)
            counts[ow] = Float(c.end - c.first)
        }
        (counts + s.outW).update(repeating: 1, count: 8)
    }

    /// One plane, a row at a time: the window's input rows reduced into a padded row
    /// (eight columns per step), a stride-2 row split into its even and odd columns
    /// (`ck_deinterleave_f32`), then eight outputs per kW contiguous loads. Every output
    /// takes the vector path, borders and 7-wide rows included: the scalar path these
    /// replaced made ShuffleNet's 3×3 stride-2 AveragePools 4 times onnxruntime's time.
    @inline(__always)
    private func paddedPlane<R: TapReduction>(_: R.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                              buffer: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let s = shape
        let l = Self.paddedRowFloats(s)
        let row = buffer, even = buffer + l, odd = buffer + l + (l + 1) / 2 + 8
        let counts = UnsafeRawPointer(buffer + 2 * l + 32)
        let rowBytes = s.dilationH * s.width * 4
        let taps = s.strideW == 1 ? UnsafeRawPointer(row) : UnsafeRawPointer(even)
        for oh in 0..<s.outH {
            let rows = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: 0, hi: s.height)
            let src = UnsafeRawPointer(x + (oh * s.strideH - s.padTop + rows.first * s.dilationH) * s.width)
            let dst = UnsafeMutableRawPointer(row + s.padLeft)
            let n = rows.end - rows.first
            // The window two output rows on (the next plane's first rows at a plane's end):
            // a pool runs far faster than DRAM or L3 deliver the rows it just reached.
            ck_prefetch_range(src + 2 * s.strideH * s.width * 4, n * rowBytes)
            @inline(__always) func reduced(_ i: Int) -> V {
                if n == 3 {
                    // Nearly every pool's window: no loop bookkeeping between the loads.
                    let a = src.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                    let b = src.loadUnaligned(fromByteOffset: i * 4 + rowBytes, as: V.self)
                    return R.combine(R.combine(a, b), src.loadUnaligned(fromByteOffset: i * 4 + 2 * rowBytes, as: V.self))
                }
                var v = src.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                var offset = i * 4 + rowBytes
                for _ in 1..<n {
                    v = R.combine(v, src.loadUnaligned(fromByteOffset: offset, as: V.self))
                    offset += rowBytes
                }
                return v
            }
            if n == 3 && s.strideW == 2 {
                // Reduced and split in one pass, straight into the halves.
                ck_reduce3_deinterleave(src.assumingMemoryBound(to: Float.self), rowBytes / 4, s.width, s.padLeft,
                                        kind == .max ? 1 : 0, even, odd)
            } else {
                var i = 0
                while i + 8 <= s.width {
                    dst.storeBytes(of: reduced(i), toByteOffset: i * 4, as: V.self)
                    i += 8
                }
                if i < s.width && s.width >= 8 {
                    // The last columns as one vector overlapping the previous one.
                    dst.storeBytes(of: reduced(s.width - 8), toByteOffset: (s.width - 8) * 4, as: V.self)
                    i = s.width
                }
                while i < s.width {
                    var v = src.load(fromByteOffset: i * 4, as: Float.self)
                    var offset = i * 4 + rowBytes
                    for _ in 1..<n {
                        v = R.combine(v, src.load(fromByteOffset: offset, as: Float.self))
                        offset += rowBytes
                    }
                    dst.storeBytes(of: v, toByteOffset: i * 4, as: Float.self)
                    i += 1
                }
                if s.strideW == 2 { ck_deinterleave_f32(row, l, even, odd) }
            }
            var rowCount = Float(n)
            if countIncludePad {
                let pr = Self.taps(oh, stride: s.strideH, pad: s.padTop, k: s.kernelH, d: s.dilationH, lo: -s.padTop, hi: s.height + s.padBottom)
                rowCount = Float(pr.end - pr.first)
            }
            let out = y + oh * s.outW
            let oddBytes = (odd - even) * 4
            var j = 0
            repeat {
                // A last group that would run past the row overlaps the one before (shared
                // outputs are written twice, equal); a row narrower than 8 is one group
                // stored lane by lane.
                let g = s.outW >= 8 ? Swift.min(j, s.outW - 8) : 0
                var acc: V
                if s.strideW == 1 {
                    acc = taps.loadUnaligned(fromByteOffset: g * 4, as: V.self)
                    for c in 1..<s.kernelW { acc = R.combine(acc, taps.loadUnaligned(fromByteOffset: (g + c) * 4, as: V.self)) }
                } else if s.kernelW == 3 {
                    // Nearly every stride-2 pool: even, odd and the next even column, with no
                    // tap loop between the loads.
                    acc = R.combine(R.combine(taps.loadUnaligned(fromByteOffset: g * 4, as: V.self),
                                              taps.loadUnaligned(fromByteOffset: oddBytes + g * 4, as: V.self)),
                                    taps.loadUnaligned(fromByteOffset: (g + 1) * 4, as: V.self))
                } else {
                    acc = taps.loadUnaligned(fromByteOffset: g * 4, as: V.self)
                    for c in 1..<s.kernelW {
                        let at = (c & 1) * oddBytes + (g + c / 2) * 4
                        acc = R.combine(acc, taps.loadUnaligned(fromByteOffset: at, as: V.self))
                    }
                }
                if kind == .average { acc /= counts.loadUnaligned(fromByteOffset: g * 4, as: V.self) * rowCount }
                if s.outW >= 8 {
                    UnsafeMutableRawPointer(out + g).storeBytes(of: acc, as: V.self)
                } else {
                    for q in 0..<s.outW { out[q] = acc[q] }
                }
                j = g + 8
            } while j < s.outW
        }
    }
}
