import Model
import Runtime
import Testing

/// Prepares `op` in `domain` through `KernelRegistry.standard` (keyed like the session:
/// first present input's dtype) and runs it once on a serial pool claiming `threads`.
func runQuantizedOperator(_ op: String, domain: String = "", _ inputs: [OpInput?], outputs: [TensorType],
                          attributes: [String: Attribute] = [:], opset: Int = 21, threads: Int = 1,
                          options: SessionOptions = SessionOptions()) throws -> (outputs: [Tensor], prepared: PreparedKernel) {
    let node = Node(name: "n", opType: op, domain: domain, inputs: inputs.enumerated().map { $1 == nil ? "" : "x\($0)" },
                    outputs: outputs.indices.map { "y\($0)" }, attributes: attributes)
    let sig = KernelSignature(node: node,
                              inputTypes: inputs.map { $0.map { TensorType(dtype: $0.tensor.dtype, shape: $0.tensor.shape) } },
                              outputTypes: outputs, constants: inputs.map { $0?.constant == true ? $0?.tensor : nil },
                              options: options, opset: opset)
    let selector = inputs.compactMap { $0 }.first?.tensor.dtype ?? outputs[0].dtype
    guard let factory = KernelRegistry.standard.factory(for: KernelKey(op, domain: domain, dtype: selector)) else {
        throw KernelError.unsupportedOperator(node: "n", opType: op, domain: domain, dtype: selector)
    }
    let prepared = try factory(sig)
    let results = outputs.map { Tensor(dtype: $0.dtype, shape: $0.shape) }
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(prepared.scratchBytes, 64), alignment: 64)
    defer { scratch.deallocate() }
    let inPointers: [UnsafeRawPointer?] = inputs.map { $0.map { UnsafeRawPointer($0.tensor.storage.bytes) } }
    let outPointers = results.map { $0.storage.bytes }
    inPointers.withUnsafeBufferPointer { ins in
        outPointers.withUnsafeBufferPointer { outs in
            let context = KernelContext(inputs: ins, outputs: outs, scratch: scratch, pool: OperatorSerialPool(threads: threads))
            prepared.kernel.run(context)
        }
    }
    return (results, prepared)
}

/// Seeded random values for the quantized kernel tests.
struct QuantRandom {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func floats(_ n: Int, _ lo: Float, _ hi: Float) -> [Float] { (0..<n).map { _ in Float.random(in: lo..<hi, using: &generator) } }
    mutating func ints(_ n: Int, _ lo: Int, _ hi: Int) -> [Int] { (0..<n).map { _ in Int.random(in: lo...hi, using: &generator) } }
}

/// Quantized tensor of `dtype` (int8/uint8/int16/uint16/int32/int4/uint4) holding `values`; 4-bit packs low nibble first.
func quantizedTensor(_ dtype: DType, _ values: [Int], shape: [Int]) -> Tensor {
    let t = Tensor(dtype: dtype, shape: shape)
    let p = t.storage.bytes
    for (i, v) in values.enumerated() {
        switch dtype {
        case .int8: p.storeBytes(of: Int8(v), toByteOffset: i, as: Int8.self)
        case .uint8: p.storeBytes(of: UInt8(v), toByteOffset: i, as: UInt8.self)
        case .int16: p.storeBytes(of: Int16(v), toByteOffset: 2 * i, as: Int16.self)
        case .uint16: p.storeBytes(of: UInt16(v), toByteOffset: 2 * i, as: UInt16.self)
        case .int32: p.storeBytes(of: Int32(v), toByteOffset: 4 * i, as: Int32.self)
        case .int4, .uint4:
            let nibble = UInt8(truncatingIfNeeded: v) & 0xF
            let old = p.load(fromByteOffset: i / 2, as: UInt8.self)
            p.storeBytes(of: i % 2 == 0 ? (old & 0xF0) | nibble : (old & 0x0F) | (nibble << 4), toByteOffset: i / 2, as: UInt8.self)
        default: preconditionFailure("not a quantized dtype: \(dtype)")
        }
    }
    return t
}

/// The elements of a quantized tensor as Int (4-bit unpacked, sign-extended for int4).
func quantizedValues(_ t: Tensor) -> [Int] {
    let p = t.storage.bytes
    return (0..<t.elementCount).map { i in
        switch t.dtype {
        case .int8: Int(p.load(fromByteOffset: i, as: Int8.self))
        case .uint8: Int(p.load(fromByteOffset: i, as: UInt8.self))
        case .int16: Int(p.load(fromByteOffset: 2 * i, as: Int16.self))
        case .uint16: Int(p.load(fromByteOffset: 2 * i, as: UInt16.self))
        case .int32: Int(p.load(fromByteOffset: 4 * i, as: Int32.self))
        case .int4, .uint4:
            { let b = p.load(fromByteOffset: i / 2, as: UInt8.self); let n = Int(i % 2 == 0 ? b & 0xF : b >> 4)
              return t.dtype == .int4 && n >= 8 ? n - 16 : n }()
        default: preconditionFailure("not a quantized dtype: \(t.dtype)")
        }
    }
}

/// The range of a quantized dtype.
func quantizedRange(_ d: DType) -> (Int, Int) {
    switch d {
    case .int8: (-128, 127)
    case .uint8: (0, 255)
    case .int16: (-32768, 32767)
    case .uint16: (0, 65535)
    case .int4: (-8, 7)
    case .uint4: (0, 15)
    default: (Int(Int32.min), Int(Int32.max))
    }
}

/// Spec reference: saturate(round_half_even(v) + zp), v already divided by the scale.
func referenceQuantize(_ v: Double, zeroPoint: Int, _ d: DType) -> Int {
    let (lo, hi) = quantizedRange(d)
    return min(hi, max(lo, Int(v.rounded(.toNearestOrEven)) + zeroPoint))
}

func scalarTensor(_ v: Float) -> Tensor { Tensor(dtype: .float32, shape: [], values: [v]) }
func scalarQuantized(_ d: DType, _ v: Int) -> Tensor { quantizedTensor(d, [v], shape: []) }
