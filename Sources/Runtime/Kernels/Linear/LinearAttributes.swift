import Model

/// Attribute reading with errors that name the node, for the linear-algebra kernels.
extension KernelSignature {
    func linearInt(_ name: String, default value: Int) throws(KernelError) -> Int {
        switch node.attributes[name] {
        case nil: return value
        case let .int(v)?: return v
        default: throw linearInvalid(name, "must be an integer")
        }
    }

    func linearFloat(_ name: String, default value: Float) throws(KernelError) -> Float {
        switch node.attributes[name] {
        case nil: return value
        case let .float(v)?: return v
        case let .int(v)?: return Float(v)
        default: throw linearInvalid(name, "must be a float")
        }
    }

    func linearInts(_ name: String) throws(KernelError) -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case let .ints(v)?: return v
        case let .int(v)?: return [v]
        default: throw linearInvalid(name, "must be a list of integers")
        }
    }

    func linearString(_ name: String, default value: String) throws(KernelError) -> String {
        switch node.attributes[name] {
        case nil: return value
        case let .string(v)?: return v
        default: throw linearInvalid(name, "must be a string")
        }
    }

    func linearInvalid(_ attribute: String, _ reason: String) -> KernelError {
        .invalidAttribute(node: node.name, opType: node.opType, attribute: attribute, reason: reason)
    }

    func linearMismatch(_ reason: String) -> KernelError {
        .shapeMismatch(node: node.name, opType: node.opType, reason: reason)
    }

    /// Input `i`'s type, required to be float32.
    func linearFloatInput(_ i: Int) throws(KernelError) -> TensorType {
        let t = try inputType(i)
        guard t.dtype == .float32 else { throw .unsupportedDType(node: node.name, opType: node.opType, dtype: t.dtype) }
        return t
    }

    /// The constant value of input `i`, if it is a float32 graph constant.
    func linearFloatConstant(_ i: Int) -> Tensor? {
        guard i < constants.count, let t = constants[i], t.dtype == .float32 else { return nil }
        return t
    }

    /// Whether optional input `i` is present.
    func linearHasInput(_ i: Int) -> Bool { i < inputTypes.count && inputTypes[i] != nil }

    /// Threads the node's scratch is sized for.
    var linearSlots: Int { max(1, options.threads) }
}

/// Pads of one spatial axis.
struct LinearAxisPads: Sendable, Equatable {
    var begin: Int
    var end: Int
}

/// Resolves `auto_pad` / `pads` for a sliding-window op (Conv, pools) over `spatial`
/// axes, as the ONNX spec defines them (SAME: output = ceil(input / stride)).
func linearWindowPads(_ sig: KernelSignature, input: [Int], kernel: [Int], strides: [Int], dilations: [Int]) throws(KernelError) -> [LinearAxisPads] {
    let n = input.count
    let autoPad = try sig.linearString("auto_pad", default: "NOTSET")
    switch autoPad {
    case "NOTSET", "":
        let pads = try sig.linearInts("pads") ?? Array(repeating: 0, count: 2 * n)
        guard pads.count == 2 * n else { throw sig.linearInvalid("pads", "has \(pads.count) values, expected \(2 * n)") }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw sig.linearInvalid("pads", "must not be negative") }
        return (0..<n).map { LinearAxisPads(begin: pads[$0], end: pads[$0 + n]) }
    case "VALID":
        return Array(repeating: LinearAxisPads(begin: 0, end: 0), count: n)
    case "SAME_UPPER", "SAME_LOWER":
        return (0..<n).map { i in
            let out = (input[i] + strides[i] - 1) / strides[i]
            let extent = (kernel[i] - 1) * dilations[i] + 1
            let total = max(0, (out - 1) * strides[i] + extent - input[i])
            let small = total / 2
            return autoPad == "SAME_UPPER" ? LinearAxisPads(begin: small, end: total - small) : LinearAxisPads(begin: total - small, end: small)
        }
    default:
        throw sig.linearInvalid("auto_pad", "is '\(autoPad)'; expected NOTSET, VALID, SAME_UPPER or SAME_LOWER")
    }
}

/// Reads a per-spatial-axis attribute (strides, dilations) with a default of 1.
func linearSpatialAttribute(_ sig: KernelSignature, _ name: String, count: Int) throws(KernelError) -> [Int] {
    guard let v = try sig.linearInts(name) else { return Array(repeating: 1, count: count) }
    guard v.count == count else { throw sig.linearInvalid(name, "has \(v.count) values, expected \(count)") }
    guard v.allSatisfy({ $0 >= 1 }) else { throw sig.linearInvalid(name, "must be positive") }
    return v
}

/// Element count of a shape, as Int64 for counting.
func linearElements(_ shape: [Int]) -> Int64 { Int64(shape.reduce(1, *)) }

/// A kernel's own packed copy of constant data.
struct LinearPackedFloats: @unchecked Sendable {
    let storage: TensorStorage
    var pointer: UnsafePointer<Float> { UnsafePointer(storage.bytes.assumingMemoryBound(to: Float.self)) }
    var byteCount: Int { storage.count }
    init(_ storage: TensorStorage) { self.storage = storage }
    init(_ values: [Float]) {
        storage = TensorStorage(count: max(values.count, 1) * 4)
        values.withUnsafeBufferPointer { b in
            if let base = b.baseAddress { storage.bytes.copyMemory(from: base, byteCount: b.count * 4) }
        }
    }
}
