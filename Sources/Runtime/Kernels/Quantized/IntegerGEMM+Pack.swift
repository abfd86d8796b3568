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
        case let .paddedIm2col(x):
            x.pack(j0: j0, count: count, into: dst)
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

extension IntegerPaddedIm2col {
    /// Packs columns j0..<j0+count (j0 a multiple of 16). The 16 pixels of a panel sit at the
    /// same offsets from every depth row's origin: when they are one contiguous run (stride 1,
    /// one output row) both depth rows of a pair go straight to `ck_pack_pair16_8bit`, else
    /// they are gathered into 16-byte rows first. Lanes past the last column read pixel 0.
    func pack(j0: Int, count: Int, into dst: UnsafeMutablePointer<Int32>) {
        let nr = IntegerGEMM.nr, kp = IntegerGEMM.pairs(depth)
        let flag: Int32 = signed ? 1 : 0
        var offsets = SIMD16<Int>(), row0 = SIMD16<UInt8>(), row1 = SIMD16<UInt8>()
        let zeroRow = SIMD16<UInt8>(repeating: UInt8(truncatingIfNeeded: zeroPoint))
        var j = 0
        while j < count {
            let d = dst + j * kp
            let col = j0 + j, n = min(nr, columns - col, count - j)
            var oh = col / outW, ow = col % outW
            for q in 0..<nr {
                offsets[q] = q < n ? oh * strideH * pitch + ow * strideW : 0
                ow += 1
                if ow == outW { ow = 0; oh += 1 }
            }
            let contiguous = n == nr && strideW == 1 && offsets[nr - 1] == offsets[0] + nr - 1
            for p in 0..<kp {
                let r0 = base + rowOffsets[2 * p]
                let r1: UnsafeRawPointer? = 2 * p + 1 < depth ? base + rowOffsets[2 * p + 1] : nil
                if contiguous, let r1 {
                    ck_pack_pair16_8bit(r0 + offsets[0], r1 + offsets[0], flag, zeroPoint, d + p * nr)
                    continue
                }
                for q in 0..<nr { row0[q] = r0.load(fromByteOffset: offsets[q], as: UInt8.self) }
                if let r1 { for q in 0..<nr { row1[q] = r1.load(fromByteOffset: offsets[q], as: UInt8.self) } } else { row1 = zeroRow }
                withUnsafePointer(to: &row0) { a in
                    withUnsafePointer(to: &row1) { b in ck_pack_pair16_8bit(a, b, flag, zeroPoint, d + p * nr) }
                }
            }
            j += nr
        }
    }
}
