extension ConvKernel {
    /// Rows of the zero-padded copy of one input plane: every tap of every output reads inside it.
    var depthwisePaddedHeight: Int {
        shape.paddedHeight
    }
    /// Row stride of the padded plane; 16 spare floats let stride-2 rows load 16 lanes at once.
    var depthwiseRowStride: Int {
        shape.paddedWidth + 16
    }

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
        for ih in 0..<s.height {
            Self.copyRow(buffer + (ih + s.padTop) * rs + s.padLeft, src + ih * s.width, s.width)
        }
        let wk = w + c * s.taps
        let b = bias?[c] ?? 0
        let out = y + p * s.outPlane
        if s.kernelH == 3 && s.kernelW == 3 && s.dilationH == 1 && s.dilationW == 1 && (s.strideW == 1 || s.strideW == 2) {
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
    /// is computed as a full vector (the padded row has 16 spare floats to read) and
    /// stored lane by lane, instead of a scalar loop that dominated 7- and 14-wide planes.
    @inline(__always)
    private func depthwise3x3(_ buffer: UnsafeMutablePointer<Float>, _ wk: UnsafePointer<Float>, _ b: Float,
                              _ out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let s = shape
        let rs = depthwiseRowStride
        let taps = Depthwise3x3Taps(wk)
        let bv = V(repeating: b)
        let stride2 = s.strideW == 2
        for oh in 0..<s.outH {
            let yrow = out + oh * s.outW
            let r0 = UnsafeRawPointer(buffer + oh * s.strideH * rs)
            var ow = 0
            while ow < s.outW {
                var acc = taps.dot(r0, rowBytes: rs * 4, ow: ow, stride2: stride2, initial: bv)
                if relu { acc = acc.replacing(with: 0, where: acc .< 0) }
                let valid = s.outW - ow
                // A short last group spills into the next rows' first lanes, which those
                // rows' own stores overwrite later; a group whose spill would leave the
                // plane (its last rows) stores lane by lane.
                if valid >= 8 || oh * s.outW + ow + 8 <= s.outPlane {
                    UnsafeMutableRawPointer(yrow + ow).storeBytes(of: acc, as: V.self)
                } else {
                    for q in 0..<valid { yrow[ow + q] = acc[q] }
                }
                ow += 8
            }
        }
    }
}
