import Model

extension SGEMM {
    /// Packs rows i0..<i0+mc, depth k0..<k0+kc of A into kc×6 panels; rows ≥ m are zero.
    static func packA(_ base: UnsafePointer<Float>, rowStride rs: Int, colStride cs: Int,
                      i0: Int, mc: Int, k0: Int, kc: Int, m: Int, into dst: UnsafeMutablePointer<Float>) {
        var i = 0
        var d = dst
        while i < mc {
            for r in 0..<mr {
                let row = i0 + i + r
                if row < m && i + r < mc {
                    let src = base + row * rs + k0 * cs
                    if cs == 1 {
                        for p in 0..<kc { d[p * mr + r] = src[p] }
                    } else {
                        for p in 0..<kc { d[p * mr + r] = src[p * cs] }
                    }
                } else {
                    for p in 0..<kc { d[p * mr + r] = 0 }
                }
            }
            d += mr * kc
            i += mr
        }
    }

    /// Packs depth k0..<k0+kc, columns j0..<j0+nc of B into kc×16 panels; columns ≥ n are zero.
    static func packB(_ base: UnsafePointer<Float>, rowStride rs: Int, colStride cs: Int,
                      k0: Int, kc: Int, j0: Int, nc: Int, n: Int, into dst: UnsafeMutablePointer<Float>) {
        var j = 0
        var d = dst
        while j < nc {
            let col = j0 + j
            let width = min(nr, n - col)
            if cs == 1 && width == nr {
                for p in 0..<kc {
                    let src = UnsafeRawPointer(base + (k0 + p) * rs + col)
                    let out = UnsafeMutableRawPointer(d + p * nr)
                    out.storeBytes(of: src.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                    out.storeBytes(of: src.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32, as: SIMD8<Float>.self)
                }
            } else {
                for p in 0..<kc {
                    let src = base + (k0 + p) * rs + col * cs
                    let out = d + p * nr
                    for q in 0..<nr { out[q] = q < width ? src[q * cs] : 0 }
                }
            }
            d += nr * kc
            j += nr
        }
    }

    /// A whole M×K matrix packed once (weights), 64-byte aligned.
    static func prepackA(_ base: UnsafePointer<Float>, rowStride: Int, colStride: Int, m: Int, k: Int) -> TensorStorage {
        let mPad = roundUp(m, mr)
        let storage = TensorStorage(count: max(packedACount(m: m, k: k), 1) * 4)
        let dst = storage.bytes.assumingMemoryBound(to: Float.self)
        var pc = 0
        while pc < k {
            let kcb = min(kc, k - pc)
            packA(base, rowStride: rowStride, colStride: colStride, i0: 0, mc: m, k0: pc, kc: kcb, m: m, into: dst + pc * mPad)
            pc += kcb
        }
        return storage
    }

    /// A whole K×N matrix packed once (weights), 64-byte aligned.
    static func prepackB(_ base: UnsafePointer<Float>, rowStride: Int, colStride: Int, k: Int, n: Int) -> TensorStorage {
        let nPad = roundUp(n, nr)
        let storage = TensorStorage(count: max(packedBCount(k: k, n: n), 1) * 4)
        let dst = storage.bytes.assumingMemoryBound(to: Float.self)
        var pc = 0
        while pc < k {
            let kcb = min(kc, k - pc)
            packB(base, rowStride: rowStride, colStride: colStride, k0: pc, kc: kcb, j0: 0, nc: n, n: n, into: dst + pc * nPad)
            pc += kcb
        }
        return storage
    }
}

/// The im2col view of one image's channel group for a 2-D convolution (1-D uses h = 1):
/// row k = (channel, kernel row, kernel column), column j = output pixel.
struct Im2colGeometry: Sendable {
    var channels: Int, height: Int, width: Int
    var kernelH: Int, kernelW: Int
    var strideH: Int, strideW: Int
    var dilationH: Int, dilationW: Int
    var padTop: Int, padLeft: Int
    var outH: Int, outW: Int

    var rows: Int { channels * kernelH * kernelW }
    var columns: Int { outH * outW }

    /// Packs rows k0..<k0+kc and columns j0..<j0+nc of the im2col matrix into kc×16
    /// panels, reading the input plane directly.
    func pack(_ x: UnsafePointer<Float>, k0: Int, kc: Int, j0: Int, nc: Int, into dst: UnsafeMutablePointer<Float>) {
        let nr = SGEMM.nr
        let n = columns
        let taps = kernelH * kernelW
        let plane = height * width
        for p in 0..<kc {
            let kk = k0 + p
            let ch = kk / taps, r = kk % taps
            let kh = r / kernelW, kw = r % kernelW
            let src = x + ch * plane
            let offH = kh * dilationH - padTop, offW = kw * dilationW - padLeft
            var j = 0
            var d = dst + p * nr
            while j < nc {
                let col = j0 + j
                let oh = col / outW, ow = col % outW
                let ih0 = oh * strideH + offH
                let iw0 = ow * strideW + offW
                // Fast path: the 16 pixels sit in one output row, read one contiguous input run.
                if strideW == 1 && ow + nr <= outW && col + nr <= n && ih0 >= 0 && ih0 < height && iw0 >= 0 && iw0 + nr <= width {
                    let s = UnsafeRawPointer(src + ih0 * width + iw0)
                    let o = UnsafeMutableRawPointer(d)
                    o.storeBytes(of: s.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                    o.storeBytes(of: s.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32, as: SIMD8<Float>.self)
                } else {
                    packRun(src, d, count: min(nr, n - col), oh: oh, ow: ow, offH: offH, offW: offW)
                    for q in min(nr, n - col)..<nr { d[q] = 0 }
                }
                d += nr * kc
                j += nr
            }
        }
    }

    /// Writes `count` consecutive im2col columns starting at output pixel (oh, ow), one
    /// output-row segment at a time: rows outside the input are zeros, and with stride 1
    /// each segment is a zero head, one contiguous copy and a zero tail.
    @inline(__always)
    private func packRun(_ src: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, count: Int, oh: Int, ow: Int, offH: Int, offW: Int) {
        var q = 0, oh = oh, ow = ow
        while q < count {
            let seg = min(count - q, outW - ow)
            let ih = oh * strideH + offH
            if ih < 0 || ih >= height {
                for t in 0..<seg { d[q + t] = 0 }
            } else {
                let row = src + ih * width
                if strideW == 1 {
                    let start = ow + offW
                    let lo = min(seg, max(0, -start)), hi = max(lo, min(seg, width - start))
                    for t in 0..<lo { d[q + t] = 0 }
                    for t in lo..<hi { d[q + t] = row[start + t] }
                    for t in hi..<seg { d[q + t] = 0 }
                } else {
                    var iw = ow * strideW + offW
                    for t in 0..<seg {
                        d[q + t] = iw >= 0 && iw < width ? row[iw] : 0
                        iw += strideW
                    }
                }
            }
            q += seg
            ow = 0
            oh += 1
        }
    }
}
