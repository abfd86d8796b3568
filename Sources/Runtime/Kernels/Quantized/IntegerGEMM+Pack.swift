import CKernels
import Model

/// Packing for `IntegerGEMM`: 8-bit values widened to int16 with the zero point subtracted,
/// two consecutive depths per int32 word (low half = even depth), panels zero padded.
extension IntegerGEMM {
    @inline(__always) static func word(_ lo: Int16, _ hi: Int16) -> Int32 {
        Int32(bitPattern: UInt32(UInt16(bitPattern: lo)) | UInt32(UInt16(bitPattern: hi)) << 16)
    }

    /// Packs rows i0..<i0+count of A (i0 a multiple of 6) into count/6 panels of pairs(K)×6 words.
    static func packA(_ a: IntegerOperandA, m: Int, k: Int, i0: Int, count: Int, into dst: UnsafeMutablePointer<Int32>) {
        guard case let .matrix(x) = a else { return }
        if x.signed { packRows(x, Int8.self, m: m, k: k, i0: i0, count: count, into: dst) }
        else { packRows(x, UInt8.self, m: m, k: k, i0: i0, count: count, into: dst) }
    }

    /// Packs columns j0..<j0+count of B (j0 a multiple of 16) into count/16 panels of pairs(K)×16 words.
    static func packB(_ b: IntegerOperandB, k: Int, n: Int, j0: Int, count: Int, into dst: UnsafeMutablePointer<Int32>) {
        switch b {
        case .packed: return
        case let .matrix(x):
            if x.signed { packColumns(x, Int8.self, k: k, n: n, j0: j0, count: count, into: dst) }
            else { packColumns(x, UInt8.self, k: k, n: n, j0: j0, count: count, into: dst) }
        case let .im2col(geometry, x):
            if x.signed { geometry.packInteger(x, Int8.self, j0: j0, count: count, into: dst) }
            else { geometry.packInteger(x, UInt8.self, j0: j0, count: count, into: dst) }
        }
    }

    static func packRows<T: FixedWidthInteger>(_ x: IntegerMatrix, _: T.Type, m: Int, k: Int, i0: Int, count: Int,
                                               into dst: UnsafeMutablePointer<Int32>) {
        let kp = pairs(k), half = k / 2
        let src = x.base.assumingMemoryBound(to: T.self)
        let cs = x.colStride
        var i = 0
        while i < count {
            let d = dst + i * kp
            for r in 0..<mr {
                let row = i0 + i + r
                guard row < m && i + r < count else {
                    for p in 0..<kp { d[p * mr + r] = 0 }
                    continue
                }
                let z = x.zeroPoint.value(row)
                let s = src + row * x.rowStride
                if cs == 1 {
                    for p in 0..<half { d[p * mr + r] = word(Int16(truncatingIfNeeded: s[2 * p]) &- z, Int16(truncatingIfNeeded: s[2 * p + 1]) &- z) }
                } else {
                    for p in 0..<half {
                        d[p * mr + r] = word(Int16(truncatingIfNeeded: s[2 * p * cs]) &- z, Int16(truncatingIfNeeded: s[(2 * p + 1) * cs]) &- z)
                    }
                }
                if k & 1 == 1 { d[half * mr + r] = word(Int16(truncatingIfNeeded: s[(k - 1) * cs]) &- z, 0) }
            }
            i += mr
        }
    }

    static func packColumns<T: FixedWidthInteger>(_ x: IntegerMatrix, _: T.Type, k: Int, n: Int, j0: Int, count: Int,
                                                  into dst: UnsafeMutablePointer<Int32>) {
        let kp = pairs(k), half = k / 2
        let src = x.base.assumingMemoryBound(to: T.self)
        let rs = x.rowStride, cs = x.colStride
        var j = 0
        while j < count {
            let d = dst + j * kp
            let col = j0 + j
            let width = min(nr, n - col, count - j)
            if cs == 1 && width == nr && x.zeroPoint.isPerTensor {
                let z = x.zeroPoint.value(0)
                for p in 0..<half {
                    ck_pack_pair16_8bit(src + 2 * p * rs + col, src + (2 * p + 1) * rs + col, T.isSigned ? 1 : 0, z, d + p * nr)
                }
                if k & 1 == 1 {
                    let s = src + (k - 1) * rs + col
                    for q in 0..<nr { d[half * nr + q] = word(Int16(truncatingIfNeeded: s[q]) &- z, 0) }
                }
            } else {
                for q in 0..<nr {
                    guard q < width else {
                        for p in 0..<kp { d[p * nr + q] = 0 }
                        continue
                    }
                    let z = x.zeroPoint.value(col + q)
                    let s = src + (col + q) * cs
                    for p in 0..<half {
                        d[p * nr + q] = word(Int16(truncatingIfNeeded: s[2 * p * rs]) &- z, Int16(truncatingIfNeeded: s[(2 * p + 1) * rs]) &- z)
                    }
                    if k & 1 == 1 { d[half * nr + q] = word(Int16(truncatingIfNeeded: s[(k - 1) * rs]) &- z, 0) }
                }
            }
            j += nr
        }
    }

    /// A whole M×K matrix packed once (constant weights), zero points subtracted.
    static func prepackA(_ x: IntegerMatrix, m: Int, k: Int) -> TensorStorage {
        let storage = TensorStorage(count: max(packedAWords(m: m, k: k), 1) * 4)
        packA(.matrix(x), m: m, k: k, i0: 0, count: m, into: storage.bytes.assumingMemoryBound(to: Int32.self))
        return storage
    }

    /// A whole K×N matrix packed once (constant weights), zero points subtracted.
    static func prepackB(_ x: IntegerMatrix, k: Int, n: Int) -> TensorStorage {
        let storage = TensorStorage(count: max(packedBWords(k: k, n: n), 1) * 4)
        packB(.matrix(x), k: k, n: n, j0: 0, count: n, into: storage.bytes.assumingMemoryBound(to: Int32.self))
        return storage
    }
}

extension Im2colGeometry {
    /// Packs im2col columns j0..<j0+count (j0 a multiple of 16) over the full depth into
    /// integer GEMM panels. Taps in the padding read the zero point, i.e. 0 after it is
    /// subtracted. 16 pixels in one output row with both depth rows inside the input (stride 1)
    /// are two contiguous 16-byte runs, widened and interleaved by `ck_pack_pair16_8bit`.
    func packInteger<T: FixedWidthInteger>(_ x: IntegerMatrix, _: T.Type, j0: Int, count: Int,
                                           into dst: UnsafeMutablePointer<Int32>) {
        let nr = IntegerGEMM.nr
        let k = rows, kp = IntegerGEMM.pairs(k), n = columns
        let src = x.base.assumingMemoryBound(to: T.self)
        let z = x.zeroPoint.value(0)
        let taps = kernelH * kernelW, plane = height * width
        var j = 0
        while j < count {
            let d = dst + j * kp
            let col = j0 + j
            let width16 = min(nr, n - col, count - j)
            let oh = col / outW, ow = col % outW
            let oneRun = strideW == 1 && width16 == nr && ow + nr <= outW
            for p in 0..<kp {
                let r0 = rowStart(2 * p, oh: oh, ow: ow, taps: taps, plane: plane, oneRun: oneRun)
                let r1 = 2 * p + 1 < k ? rowStart(2 * p + 1, oh: oh, ow: ow, taps: taps, plane: plane, oneRun: oneRun) : nil
                if let r0, let r1 {
                    ck_pack_pair16_8bit(src + r0, src + r1, T.isSigned ? 1 : 0, z, d + p * nr)
                    continue
                }
                let v0 = rowValues(src, 2 * p, col: col, count: width16, taps: taps, plane: plane, zero: z)
                let v1 = 2 * p + 1 < k ? rowValues(src, 2 * p + 1, col: col, count: width16, taps: taps, plane: plane, zero: z) : SIMD16<Int16>()
                for q in 0..<nr { d[p * nr + q] = IntegerGEMM.word(v0[q], v1[q]) }
            }
            j += nr
        }
    }

    /// Offset of the contiguous 16-pixel input run of depth row `kk`, or nil when the run
    /// leaves the input or the pixels are not one stride-1 row segment.
    @inline(__always)
    private func rowStart(_ kk: Int, oh: Int, ow: Int, taps: Int, plane: Int, oneRun: Bool) -> Int? {
        guard oneRun else { return nil }
        let ch = kk / taps, r = kk % taps
        let ih = oh * strideH + (r / kernelW) * dilationH - padTop
        let iw = ow + (r % kernelW) * dilationW - padLeft
        guard ih >= 0 && ih < height && iw >= 0 && iw + IntegerGEMM.nr <= width else { return nil }
        return ch * plane + ih * width + iw
    }

    /// Depth row `kk` of the im2col matrix at columns col..<col+count, zero point subtracted.
    @inline(__always)
    private func rowValues<T: FixedWidthInteger>(_ src: UnsafePointer<T>, _ kk: Int, col: Int, count: Int,
                                                 taps: Int, plane: Int, zero: Int16) -> SIMD16<Int16> {
        var v = SIMD16<Int16>()
        let ch = kk / taps, r = kk % taps
        let offH = (r / kernelW) * dilationH - padTop, offW = (r % kernelW) * dilationW - padLeft
        let s = src + ch * plane
        var oh = col / outW, ow = col % outW
        for q in 0..<count {
            let ih = oh * strideH + offH, iw = ow * strideW + offW
            if ih >= 0 && ih < height && iw >= 0 && iw < width { v[q] = Int16(truncatingIfNeeded: s[ih * width + iw]) &- zero }
            ow += 1
            if ow == outW { ow = 0; oh += 1 }
        }
        return v
    }
}
