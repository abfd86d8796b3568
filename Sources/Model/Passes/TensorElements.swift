/// Element-wise reads and writes of any numeric dtype through Int64 or Double,
/// for the built-in evaluator and the passes (small tensors, not hot paths).
enum TensorElements {
    static func int(_ t: Tensor, _ i: Int) -> Int64 {
        let p = t.storage.bytes
        switch t.dtype {
        case .int64: return p.load(fromByteOffset: i * 8, as: Int64.self)
        case .uint64: return Int64(truncatingIfNeeded: p.load(fromByteOffset: i * 8, as: UInt64.self))
        case .int32: return Int64(p.load(fromByteOffset: i * 4, as: Int32.self))
        case .uint32: return Int64(p.load(fromByteOffset: i * 4, as: UInt32.self))
        case .int16: return Int64(p.load(fromByteOffset: i * 2, as: Int16.self))
        case .uint16: return Int64(p.load(fromByteOffset: i * 2, as: UInt16.self))
        case .int8: return Int64(p.load(fromByteOffset: i, as: Int8.self))
        case .uint8, .bool: return Int64(p.load(fromByteOffset: i, as: UInt8.self))
        case .float32, .float64, .float16, .bfloat16: return saturatingInt(double(t, i))
        case .int4, .uint4, .string: return 0
        }
    }

    static func double(_ t: Tensor, _ i: Int) -> Double {
        let p = t.storage.bytes
        switch t.dtype {
        case .float32: return Double(p.load(fromByteOffset: i * 4, as: Float.self))
        case .float64: return p.load(fromByteOffset: i * 8, as: Double.self)
        case .float16: return Double(Float(Float16(bitPattern: p.load(fromByteOffset: i * 2, as: UInt16.self))))
        case .bfloat16: return Double(Float(bitPattern: UInt32(p.load(fromByteOffset: i * 2, as: UInt16.self)) << 16))
        default: return Double(int(t, i))
        }
    }

    /// Float to integer the way a C cast would, but never trapping: NaN is 0, out of range saturates.
    static func saturatingInt(_ d: Double) -> Int64 {
        guard !d.isNaN else { return 0 }
        if d >= 9.2e18 { return Int64.max }
        if d <= -9.2e18 { return Int64.min }
        return Int64(d.rounded(.towardZero))
    }

    static func setInt(_ t: Tensor, _ i: Int, _ v: Int64) {
        let p = t.storage.bytes
        switch t.dtype {
        case .int64: p.storeBytes(of: v, toByteOffset: i * 8, as: Int64.self)
        case .uint64: p.storeBytes(of: UInt64(bitPattern: v), toByteOffset: i * 8, as: UInt64.self)
        case .int32: p.storeBytes(of: Int32(truncatingIfNeeded: v), toByteOffset: i * 4, as: Int32.self)
        case .uint32: p.storeBytes(of: UInt32(truncatingIfNeeded: v), toByteOffset: i * 4, as: UInt32.self)
        case .int16: p.storeBytes(of: Int16(truncatingIfNeeded: v), toByteOffset: i * 2, as: Int16.self)
        case .uint16: p.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: i * 2, as: UInt16.self)
        case .int8: p.storeBytes(of: Int8(truncatingIfNeeded: v), toByteOffset: i, as: Int8.self)
        case .uint8: p.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
        case .bool: p.storeBytes(of: UInt8(v != 0 ? 1 : 0), toByteOffset: i, as: UInt8.self)
        default: setDouble(t, i, Double(v))
        }
    }

    static func setDouble(_ t: Tensor, _ i: Int, _ v: Double) {
        let p = t.storage.bytes
        switch t.dtype {
        case .float32: p.storeBytes(of: Float(v), toByteOffset: i * 4, as: Float.self)
        case .float64: p.storeBytes(of: v, toByteOffset: i * 8, as: Double.self)
        case .float16: p.storeBytes(of: Float16(Float(v)).bitPattern, toByteOffset: i * 2, as: UInt16.self)
        case .bfloat16: p.storeBytes(of: UInt16(truncatingIfNeeded: Float(v).bitPattern >> 16), toByteOffset: i * 2, as: UInt16.self)
        case .bool: p.storeBytes(of: UInt8(v != 0 ? 1 : 0), toByteOffset: i, as: UInt8.self)
        case .int4, .uint4, .string: break
        default: setInt(t, i, saturatingInt(v))
        }
    }

    /// Row-major strides of `shape`, in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in shape.indices.reversed() { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// For each element of `outShape`, the index of the element of `inShape` it reads under broadcasting.
    static func broadcastIndices(from inShape: [Int], to outShape: [Int]) -> [Int] {
        let count = outShape.reduce(1, *)
        let pad = outShape.count - inShape.count
        let inStrides = strides(inShape)
        let outStrides = strides(outShape)
        return (0..<count).map { flat in
            var rem = flat, index = 0
            for d in outShape.indices {
                let coord = rem / outStrides[d]; rem %= outStrides[d]
                let k = d - pad
                if k >= 0, inShape[k] != 1 { index += coord * inStrides[k] }
            }
            return index
        }
    }
}
