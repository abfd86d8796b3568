import CKernels

extension IntegerConvKernel {
    /// group = C = M: one output channel per input channel, too thin for the 6-row GEMM tile.
    var isDepthwise: Bool { shape.group == shape.inChannels && shape.group == shape.outChannels && shape.group > 1 }

    /// Rows of the zero-padded int32 copy of one input plane: every tap of every output reads inside it.
    var depthwisePaddedHeight: Int {
        shape.paddedHeight
    }
    /// Row stride of the padded plane; 16 spare lanes let a row end load 16 lanes at once.
    var depthwiseRowStride: Int {
        shape.paddedWidth + 16
    }
    /// Int32 words of scratch per thread: the padded plane, the taps, one 16-lane result row.
    var depthwiseWordsPerThread: Int { IntegerGEMM.roundUp(depthwiseRowStride * depthwisePaddedHeight + shape.taps + 16, 16) }

    /// Most taps for the float path: |(x − zx)(w − zw)| ≤ 255², and 64 · 255² < 2^22, so
    /// every partial sum is an integer a float holds exactly, and adding 1.5 · 2^23 turns
    /// the sum into its int32 bits (the conversion `SIMD8<Int32>(_:rounding:)` runs lane by lane).
    static let exactFloatTaps = 64

    /// Direct depthwise convolution: each plane is copied once as int32 with the zero point
    /// subtracted (padding is then 0), and 16 outputs of a row accumulate kH·kW broadcast-weight
    /// products in SIMD lanes (stride 1: contiguous loads; other strides gather per lane).
    func runDepthwise(_ context: borrowing KernelContext, steps: UnsafeBufferPointer<IntegerRequantStep>) {
        let planes = shape.batch * shape.inChannels
        let tasks = min(max(1, min(slots, context.pool.threadCount)), planes)
        let inputs = context.inputs, y = context.outputs[0]
        let scratch = context.scratch.assumingMemoryBound(to: Int32.self)
        let per = depthwiseWordsPerThread
        let exact = shape.taps <= Self.exactFloatTaps
        let planeFloats = depthwiseRowStride * depthwisePaddedHeight
        let body = { (t: Int) in
            // The float path writes only the plane's interior, so its zero border is
            // cleared once per run instead of once per plane.
            if exact { (scratch + t * per).update(repeating: 0, count: planeFloats) }
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                if exact {
                    depthwisePlaneFloat(p, inputs: inputs, y: y, steps: steps, buffer: UnsafeMutableRawPointer(scratch + t * per))
                } else {
                    depthwisePlane(p, inputs: inputs, y: y, steps: steps, buffer: scratch + t * per)
                }
            }
        }
        if tasks == 1 { body(0) } else { context.pool.parallelFor(tasks, body) }
    }

    @inline(__always)
    private func depthwisePlane(_ p: Int, inputs: UnsafeBufferPointer<UnsafeRawPointer?>, y: UnsafeMutableRawPointer,
                                steps: UnsafeBufferPointer<IntegerRequantStep>, buffer: UnsafeMutablePointer<Int32>) {
        typealias V = SIMD16<Int32>
        let s = shape, rs = depthwiseRowStride, ph = depthwisePaddedHeight
        let c = p % s.inChannels
        let zx = Int32(inputZero.resolve(inputs).value(0)), zw = Int32(weightZero.resolve(inputs, first: c).value(0))
        buffer.update(repeating: 0, count: rs * ph)
        let x = inputs[0]! + p * s.inPlane
        for ih in 0..<s.height {
            let row = buffer + (ih + s.padTop) * rs + s.padLeft
            if inputSigned {
                let src = x.assumingMemoryBound(to: Int8.self) + ih * s.width
                for iw in 0..<s.width { row[iw] = Int32(src[iw]) - zx }
            } else {
                let src = x.assumingMemoryBound(to: UInt8.self) + ih * s.width
                for iw in 0..<s.width { row[iw] = Int32(src[iw]) - zx }
            }
        }
        let taps = buffer + rs * ph, result = taps + s.taps
        let w = inputs[weightIndex]! + c * s.taps
        for t in 0..<s.taps {
            taps[t] = (weightSigned ? Int32(w.load(fromByteOffset: t, as: Int8.self)) : Int32(w.load(fromByteOffset: t, as: UInt8.self))) - zw
        }
        let bias = biasIndex.map { inputs[$0]!.load(fromByteOffset: c * 4, as: Int32.self) } ?? 0
        let out = p * s.outPlane
        for oh in 0..<s.outH {
            let rowBase = buffer + oh * s.strideH * rs
            var ow = 0
            while ow < s.outW {
                let n = min(16, s.outW - ow)
                var acc = V(repeating: bias)
                for kh in 0..<s.kernelH {
                    let r = rowBase + kh * s.dilationH * rs + ow * s.strideW
                    for kw in 0..<s.kernelW {
                        let wt = V(repeating: taps[kh * s.kernelW + kw])
                        let src = r + kw * s.dilationW
                        var v = V()
                        if s.strideW == 1 {
                            v = UnsafeRawPointer(src).loadUnaligned(as: V.self)
                        } else {
                            for q in 0..<16 { v[q] = q < n ? src[q * s.strideW] : 0 }
                        }
                        acc &+= v &* wt
                    }
                }
                let o = out + oh * s.outW + ow
                if output == .int32 {
                    let dst = y.assumingMemoryBound(to: Int32.self) + o
                    for q in 0..<n { dst[q] = acc[q] }
                } else {
                    UnsafeMutableRawPointer(result).storeBytes(of: acc, as: V.self)
                    ck_requantize16_8bit(result, nil, 0, steps.baseAddress! + c, 0, output == .int8 ? 1 : 0, y + o, Int32(n))
                }
                ow += 16
            }
        }
    }

    /// The same convolution on the FMA units, for kernels of at most `exactFloatTaps`
    /// taps: the zero-point-subtracted operands and every partial sum are integers below
    /// 2^22, so the float accumulators hold the exact int32 result, which is then
    /// requantized like the GEMM's. Zen-class cores split `vpmulld` and run it at a
    /// quarter of FMA throughput; this path runs the int8 depthwise convs at the speed
    /// of the fp32 ones (3×3 weights in registers, stride 2 from even lanes).
    @inline(__always)
    private func depthwisePlaneFloat(_ p: Int, inputs: UnsafeBufferPointer<UnsafeRawPointer?>, y: UnsafeMutableRawPointer,
                                     steps: UnsafeBufferPointer<IntegerRequantStep>, buffer: UnsafeMutableRawPointer) {
        typealias V = SIMD8<Float>
        let s = shape, rs = depthwiseRowStride, ph = depthwisePaddedHeight
        let c = p % s.inChannels
        let zx = Float(inputZero.resolve(inputs).value(0)), zw = Float(weightZero.resolve(inputs, first: c).value(0))
        let plane = buffer.assumingMemoryBound(to: Float.self)
        // Only the interior is written; `runDepthwise` zeroed the border once.
        let x = inputs[0]! + p * s.inPlane
        for ih in 0..<s.height {
            let dst = plane + (ih + s.padTop) * rs + s.padLeft
            if inputSigned {
                let src = x.assumingMemoryBound(to: Int8.self) + ih * s.width
                for iw in 0..<s.width { dst[iw] = Float(src[iw]) - zx }
            } else {
                let src = x.assumingMemoryBound(to: UInt8.self) + ih * s.width
                for iw in 0..<s.width { dst[iw] = Float(src[iw]) - zx }
            }
        }
        let wf = plane + rs * ph
        let w = inputs[weightIndex]! + c * s.taps
        for t in 0..<s.taps {
            wf[t] = (weightSigned ? Float(w.load(fromByteOffset: t, as: Int8.self)) : Float(w.load(fromByteOffset: t, as: UInt8.self))) - zw
        }
        let result = UnsafeMutableRawPointer(wf + s.taps).assumingMemoryBound(to: Int32.self)
        let bias = biasIndex.map { inputs[$0]!.assumingMemoryBound(to: Int32.self) + c }
        let step = steps.baseAddress.map { $0 + c }
        let signed: Int32 = output == .int8 ? 1 : 0
        let out = p * s.outPlane
        let three = s.kernelH == 3 && s.kernelW == 3 && s.dilationH == 1 && s.dilationW == 1 && (s.strideW == 1 || s.strideW == 2)
        let taps3x3 = three ? Depthwise3x3Taps(wf) : nil
        // Integer-valued floats below 2^22 in magnitude: v + 1.5 · 2^23 lies in [2^23, 2^24),
        // where the float's low mantissa bits are v's two's complement.
        @inline(__always) func integer(_ v: V) -> SIMD8<Int32> {
            unsafeBitCast(v + V(repeating: 12_582_912), to: SIMD8<Int32>.self) &- SIMD8<Int32>(repeating: 0x4B40_0000)
        }
        // 8 outputs of row `oh` from output column `ow`.
        @inline(__always) func dot(_ oh: Int, _ ow: Int) -> V {
            let base = plane + oh * s.strideH * rs
            if let taps3x3 { return taps3x3.dot(UnsafeRawPointer(base), rowBytes: rs * 4, ow: ow, stride2: s.strideW == 2, initial: V()) }
            let n = min(8, s.outW - ow)
            var acc = V()
            for kh in 0..<s.kernelH {
                let r = base + kh * s.dilationH * rs + ow * s.strideW
                for kw in 0..<s.kernelW {
                    let src = r + kw * s.dilationW
                    var v = V()
                    if s.strideW == 1 {
                        v = UnsafeRawPointer(src).loadUnaligned(as: V.self)
                    } else {
                        for q in 0..<8 where q < n { v[q] = src[q * s.strideW] }
                    }
                    acc = acc.addingProduct(V(repeating: wf[kh * s.kernelW + kw]), v)
                }
            }
            return acc
        }
        for oh in 0..<s.outH {
            var ow = 0
            while ow < s.outW {
                let n = min(16, s.outW - ow)
                UnsafeMutableRawPointer(result).storeBytes(of: integer(dot(oh, ow)), as: SIMD8<Int32>.self)
                let upper = n > 8 ? integer(dot(oh, ow + 8)) : SIMD8<Int32>()
                UnsafeMutableRawPointer(result + 8).storeBytes(of: upper, as: SIMD8<Int32>.self)
                let o = out + oh * s.outW + ow
                if output == .int32 {
                    let dst = y.assumingMemoryBound(to: Int32.self) + o
                    for q in 0..<n { dst[q] = result[q] &+ (bias?.pointee ?? 0) }
                } else {
                    ck_requantize16_8bit(result, bias, 0, step!, 0, signed, y + o, Int32(n))
                }
                ow += 16
            }
        }
    }
}
