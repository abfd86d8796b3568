import CKernels

extension ConvKernel {
    /// Rows of the zero-padded copy of one input plane: every tap of every output reads inside it.
    var depthwisePaddedHeight: Int {
        shape.paddedHeight
    }
    /// Row stride of the padded plane; 16 spare floats let stride-2 rows load 16 lanes at once.
    var depthwiseRowStride: Int {
        shape.paddedWidth + 16
    }

    /// Whether a plane takes the 3×3 path (dilation 1, stride 1 or 2 across).
    var depthwiseIs3x3: Bool {
        let s = shape
        return s.kernelH == 3 && s.kernelW == 3 && s.dilationH == 1 && s.dilationW == 1 && (s.strideW == 1 || s.strideW == 2)
    }
    /// Stride-2 3×3 planes are stored deinterleaved: each padded row holds its even
    /// columns, then from this offset its odd ones, so every tap is a contiguous load.
    /// Eight spare floats after the even half keep a last group's reads inside the row.
    var depthwiseOddOffset: Int { (shape.paddedWidth + 1) / 2 + 8 }

    /// Direct depthwise convolution: each plane is copied once into a zero-padded buffer,
    /// then 8 outputs of a row accumulate kH·kW broadcast-weight FMAs (stride 1: one
    /// unaligned load per tap; stride 2: a 16-lane load and its even lanes).
    func runDepthwise(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                      y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let planes = shape.batch * shape.inChannels
        let perThread = depthwiseRowStride * depthwisePaddedHeight
        let tasks = min(max(1, min(slots, pool.threadCount)), planes)
        pool.parallelFor(tasks) { t in
            // The border stays zero across planes (only the interior is copied), so it
            // is zeroed once per run: per-plane memsets were 3 % of ShuffleNet.
            let buffer = scratch + t * perThread
            buffer.update(repeating: 0, count: perThread)
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                depthwisePlane(p, x: x, w: w, bias: bias, y: y, buffer: buffer)
            }
        }
    }

    /// Input planes up to this size (32 lines) are prefetched a plane ahead.
    static let prefetchBytes = 2048

    /// Copies n floats 8 at a time (the last 8 overlapping), inline: ShuffleNet's planes
    /// are 7–56 floats wide, where a memmove call per row was 7 % of the model.
    @inline(__always)
    static func copyRow(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        guard n >= 8 else {
            for i in 0..<n { dst[i] = src[i] }
            return
        }
        let d = UnsafeMutableRawPointer(dst), r = UnsafeRawPointer(src)
        var i = 0
        while i + 8 <= n {
            d.storeBytes(of: r.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        if i < n {
            d.storeBytes(of: r.loadUnaligned(fromByteOffset: (n - 8) * 4, as: SIMD8<Float>.self), toByteOffset: (n - 8) * 4, as: SIMD8<Float>.self)
        }
    }

    @inline(__always)
    private func depthwisePlane(_ p: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                y: UnsafeMutablePointer<Float>, buffer: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let s = shape
        let rs = depthwiseRowStride
        let c = p % s.inChannels
        // Only the interior is written; the caller zeroed the border once.
        let src = x + p * s.inPlane
        let wk = w + c * s.taps
        let b = bias?[c] ?? 0
        let out = y + p * s.outPlane
        // A small next plane, while this one computes: its rows are read once, in a burst
        // too short for the hardware prefetchers to run ahead of. With cold caches
        // (`scripts/bench-linear.sh depthwise --cold`) 14² planes got 13–18 % faster;
        // prefetching 28² ones (whole or their first 2 KB) made them 8–14 % slower.
        if s.inPlane * 4 <= Self.prefetchBytes { ck_prefetch_range(src + s.inPlane, s.inPlane * 4) }
        if depthwiseIs3x3 && s.strideW == 2 {
            // Padded column j = padLeft + iw lands at (j even ? j / 2 : odd + j / 2): the
            // source's even columns go to one half and its odd ones to the other.
            let odd = depthwiseOddOffset, lead = s.padLeft & 1
            let evenDst = (lead == 0 ? 0 : odd) + s.padLeft / 2
            let oddDst = (lead == 0 ? odd : 0) + s.padLeft / 2 + lead
            for ih in 0..<s.height {
                let row = buffer + (ih + s.padTop) * rs
                ck_deinterleave_f32(src + ih * s.width, s.width, row + evenDst, row + oddDst)
            }
            depthwise3x3(buffer, wk, b, out)
            return
        }
        for ih in 0..<s.height {
            Self.copyRow(buffer + (ih + s.padTop) * rs + s.padLeft, src + ih * s.width, s.width)
        }
        if depthwiseIs3x3 {
            depthwise3x3(buffer, wk, b, out)
            return
        }
        for oh in 0..<s.outH {
            let yrow = out + oh * s.outW
            let rowBase = buffer + oh * s.strideH * rs
            var ow = 0
            if s.strideW == 1 {
                while ow + 8 <= s.outW {
                    var acc = V(repeating: b)
                    for kh in 0..<s.kernelH {
                        let r = UnsafeRawPointer(rowBase + kh * s.dilationH * rs + ow)
                        for kw in 0..<s.kernelW {
                            acc = acc.addingProduct(V(repeating: wk[kh * s.kernelW + kw]),
                                                    r.loadUnaligned(fromByteOffset: kw * s.dilationW * 4, as: V.self))
                        }
                    }
                    UnsafeMutableRawPointer(yrow + ow).storeBytes(of: relu ? acc.replacing(with: 0, where: acc .< 0) : acc, as: V.self)
                    ow += 8
                }
            } else if s.strideW == 2 {
                while ow + 8 <= s.outW {
                    var acc = V(repeating: b)
                    for kh in 0..<s.kernelH {
                        let r = UnsafeRawPointer(rowBase + kh * s.dilationH * rs + 2 * ow)
                        for kw in 0..<s.kernelW {
                            let wide = r.loadUnaligned(fromByteOffset: kw * s.dilationW * 4, as: SIMD16<Float>.self)
                            acc = acc.addingProduct(V(repeating: wk[kh * s.kernelW + kw]), wide.evenHalf)
                        }
                    }
                    UnsafeMutableRawPointer(yrow + ow).storeBytes(of: relu ? acc.replacing(with: 0, where: acc .< 0) : acc, as: V.self)
                    ow += 8
                }
            }
            while ow < s.outW {
                var acc = b
                for kh in 0..<s.kernelH {
                    let r = rowBase + kh * s.dilationH * rs + ow * s.strideW
                    for kw in 0..<s.kernelW { acc += wk[kh * s.kernelW + kw] * r[kw * s.dilationW] }
                }
                yrow[ow] = relu && acc < 0 ? 0 : acc
                ow += 1
            }
        }
    }

    /// 3×3, dilation 1, stride 1 or 2 (ShuffleNet's and MobileNet's depthwise convs):
    /// the nine weights stay in registers, and a row's last partial group of 8 outputs
    /// is computed as a full vector (the padded row has spare floats to read) and stored
    /// lane by lane, instead of a scalar loop that dominated 7- and 14-wide planes. Two
    /// output rows go together: one row's nine FMAs are a single dependency chain, and
    /// on 7- and 14-wide planes there were too few groups per row to hide its latency.
    @inline(__always)
    private func depthwise3x3(_ buffer: UnsafeMutablePointer<Float>, _ wk: UnsafePointer<Float>, _ b: Float,
                              _ out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let s = shape
        let rowBytes = depthwiseRowStride * 4
        let taps = Depthwise3x3Taps(wk)
        let bv = V(repeating: b)
        let oddBytes = s.strideW == 2 ? depthwiseOddOffset * 4 : 0
        let rowStep = s.strideH * rowBytes
        let base = UnsafeRawPointer(buffer)
        @inline(__always) func dot(_ r0: UnsafeRawPointer, _ ow: Int) -> V {
            let acc = oddBytes == 0 ? taps.dot(r0, rowBytes: rowBytes, ow: ow, stride2: false, initial: bv)
                                    : taps.dotDeinterleaved(r0, rowBytes: rowBytes, oddBytes: oddBytes, ow: ow, initial: bv)
            return relu ? acc.replacing(with: 0, where: acc .< 0) : acc
        }
        @inline(__always) func store(_ acc: V, _ oh: Int, _ ow: Int) {
            let yrow = out + oh * s.outW
            let valid = s.outW - ow
            // A short last group spills into the next row's first lanes, which that
            // row's own store overwrites later (groups go from the row's end to its
            // start, so the pair's second row stores its first group last); a group
            // whose spill would leave the plane stores lane by lane.
            if valid >= 8 || oh * s.outW + ow + 8 <= s.outPlane {
                UnsafeMutableRawPointer(yrow + ow).storeBytes(of: acc, as: V.self)
            } else {
                for q in 0..<valid { yrow[ow + q] = acc[q] }
            }
        }
        let lastGroup = (s.outW - 1) / 8 * 8
        var oh = 0
        while oh + 2 <= s.outH {
            let r0 = base + oh * rowStep
            var ow = lastGroup
            while ow >= 0 {
                let a = dot(r0, ow), c = dot(r0 + rowStep, ow)
                store(a, oh, ow)
                store(c, oh + 1, ow)
                ow -= 8
            }
            oh += 2
        }
        if oh < s.outH {
            let r0 = base + oh * rowStep
            var ow = 0
            while ow < s.outW {
                store(dot(r0, ow), oh, ow)
                ow += 8
            }
        }
    }
}
