extension ConvKernel {
    /// Rows of the zero-padded copy of one input plane: every tap of every output reads inside it.
    var depthwisePaddedHeight: Int {
        max(shape.height + shape.padTop, (shape.outH - 1) * shape.strideH + (shape.kernelH - 1) * shape.dilationH + 1)
    }
    /// Row stride of the padded plane; 16 spare floats let stride-2 rows load 16 lanes at once.
    var depthwiseRowStride: Int {
        max(shape.width + shape.padLeft, (shape.outW - 1) * shape.strideW + (shape.kernelW - 1) * shape.dilationW + 1) + 16
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
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                depthwisePlane(p, x: x, w: w, bias: bias, y: y, buffer: scratch + t * perThread)
            }
        }
    }

    @inline(__always)
    private func depthwisePlane(_ p: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                y: UnsafeMutablePointer<Float>, buffer: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let s = shape
        let rs = depthwiseRowStride
        let c = p % s.inChannels
        // Zero only the border around the copied plane.
        let rowsBelow = depthwisePaddedHeight - s.padTop - s.height
        buffer.update(repeating: 0, count: rs * s.padTop)
        (buffer + (s.padTop + s.height) * rs).update(repeating: 0, count: rs * rowsBelow)
        let src = x + p * s.inPlane
        let tail = rs - s.padLeft - s.width
        for ih in 0..<s.height {
            let row = buffer + (ih + s.padTop) * rs
            row.update(repeating: 0, count: s.padLeft)
            (row + s.padLeft).update(from: src + ih * s.width, count: s.width)
            (row + s.padLeft + s.width).update(repeating: 0, count: tail)
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
                if valid >= 8 {
                    UnsafeMutableRawPointer(yrow + ow).storeBytes(of: acc, as: V.self)
                } else {
                    for q in 0..<valid { yrow[ow + q] = acc[q] }
                }
                ow += 8
            }
        }
    }
}
