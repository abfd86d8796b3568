import Model

/// A zero-point input of an integer linear kernel, resolved at prepare: which input it is,
/// its signedness and whether it holds one value or one per row/column. The value is read
/// at run time, so zero points produced by DynamicQuantizeLinear work as well as constants.
struct IntegerZeroPointInput: Sendable {
    /// nil when the optional input is omitted (zero point 0).
    var index: Int?
    var signed: Bool
    /// 1 when there is one value per row/column (per batch matrix when `perMatrix`), else 0.
    var stride: Int
    /// Values per batch matrix (0 when shared by every matrix).
    var perMatrix: Int
    /// Bytes of the constant, when it is one (for `packedWeightBytes`).
    var constantBytes: Int

    static let none = IntegerZeroPointInput(index: nil, signed: false, stride: 0, perMatrix: 0, constantBytes: 0)

    /// The zero point(s) of batch matrix `matrix`, starting at row/column `first`.
    @inline(__always)
    func resolve(_ inputs: UnsafeBufferPointer<UnsafeRawPointer?>, matrix: Int = 0, first: Int = 0) -> IntegerZeroPoint {
        guard let index, let base = inputs[index] else { return .none }
        return IntegerZeroPoint(base: base + stride * (matrix * perMatrix + first), signed: signed, stride: stride)
    }

    /// The same from a constant tensor, for packing at prepare.
    func resolve(_ tensor: Tensor?, matrix: Int = 0, first: Int = 0) -> IntegerZeroPoint {
        guard let tensor else { return .none }
        return IntegerZeroPoint(base: UnsafeRawPointer(tensor.storage.bytes) + stride * (matrix * perMatrix + first), signed: signed, stride: stride)
    }
}

extension KernelSignature {
    /// Input `i`'s type, required to be uint8 or int8.
    func integer8Input(_ i: Int) throws(KernelError) -> TensorType {
        let t = try inputType(i)
        guard t.dtype == .uint8 || t.dtype == .int8 else { throw .unsupportedDType(node: node.name, opType: node.opType, dtype: t.dtype) }
        return t
    }

    /// Optional zero-point input `i` (`name` for messages): one value, or `count` values
    /// (per row/column), or `count` values for each of `matrices` batch matrices.
    func integerZeroPoint(_ i: Int, _ name: String, count: Int, matrices: Int = 1, perElement: Bool = true) throws(KernelError) -> IntegerZeroPointInput {
        guard linearHasInput(i) else { return .none }
        let t = try integer8Input(i)
        let elements = t.shape.reduce(1, *)
        let bytes = i < constants.count && constants[i] != nil ? elements : 0
        if elements == 1 { return IntegerZeroPointInput(index: i, signed: t.dtype == .int8, stride: 0, perMatrix: 0, constantBytes: bytes) }
        if perElement && elements == count {
            return IntegerZeroPointInput(index: i, signed: t.dtype == .int8, stride: 1, perMatrix: 0, constantBytes: bytes)
        }
        if perElement && matrices > 1 && elements == count * matrices {
            return IntegerZeroPointInput(index: i, signed: t.dtype == .int8, stride: 1, perMatrix: count, constantBytes: bytes)
        }
        let allowed = perElement ? "1 or \(count)" + (matrices > 1 ? " or \(count * matrices)" : "") : "1"
        throw linearMismatch("\(name) of shape \(t.shape) has \(elements) values; expected \(allowed)")
    }

    /// Constant float32 scale input `i`: one value, or `count` values when `count` > 1.
    /// Scales must be constants: the requantization multipliers are computed at prepare.
    func integerScales(_ i: Int, _ name: String, count: Int = 1) throws(KernelError) -> [Float] {
        let t = try inputType(i)
        guard t.dtype == .float32 else { throw .unsupportedDType(node: node.name, opType: node.opType, dtype: t.dtype) }
        guard i < constants.count, let c = constants[i] else {
            throw linearMismatch("\(name) (input \(i)) must be a graph constant: Picojoule computes the fixed-point requantization at prepare")
        }
        let values = c.scalars(as: Float.self)
        guard values.count == 1 || values.count == count else {
            throw linearMismatch("\(name) of shape \(c.shape) has \(values.count) values; expected 1\(count > 1 ? " or \(count)" : "")")
        }
        guard values.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw linearMismatch("\(name) must be finite and positive, is \(values)") }
        return values
    }

    /// Constant zero-point values (for the output zero point), widened; [0] when omitted.
    func integerConstantZeroPoints(_ i: Int, _ name: String, count: Int = 1) throws(KernelError) -> [Int32] {
        guard linearHasInput(i) else { return [0] }
        let t = try integer8Input(i)
        guard i < constants.count, let c = constants[i] else {
            throw linearMismatch("\(name) (input \(i)) must be a graph constant: Picojoule computes the fixed-point requantization at prepare")
        }
        let values = t.dtype == .int8 ? c.scalars(as: Int8.self).map(Int32.init) : c.scalars(as: UInt8.self).map(Int32.init)
        guard values.count == 1 || values.count == count else {
            throw linearMismatch("\(name) of shape \(c.shape) has \(values.count) values; expected 1\(count > 1 ? " or \(count)" : "")")
        }
        return values
    }

    /// The requantization step for one output, with the error naming the node.
    func integerStep(scale: Float, zeroPoint: Int32) throws(KernelError) -> IntegerRequantStep {
        guard let s = Requantize.step(scale: scale, zeroPoint: zeroPoint) else {
            throw linearMismatch("requantization multiplier \(scale) (input scale × weight scale / output scale) is not below 2^30")
        }
        return s
    }
}

/// A kernel's own packed integer weights.
struct IntegerPackedWords: @unchecked Sendable {
    let storage: TensorStorage
    var pointer: UnsafePointer<Int32> { UnsafePointer(storage.bytes.assumingMemoryBound(to: Int32.self)) }
    var byteCount: Int { storage.count }
    init(_ storage: TensorStorage) { self.storage = storage }
}
