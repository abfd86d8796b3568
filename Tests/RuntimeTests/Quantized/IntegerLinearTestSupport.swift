import Model
import Runtime
import Testing

/// One input of an integer linear kernel under test.
struct IntegerLinearInput {
    var tensor: Tensor
    var constant: Bool
    init(_ tensor: Tensor, constant: Bool = false) { self.tensor = tensor; self.constant = constant }

    /// uint8/int8/int32 values (given as Int) of `dtype`.
    static func ints(_ dtype: DType, _ values: [Int], _ shape: [Int], constant: Bool = false) -> IntegerLinearInput {
        IntegerLinearInput(integerLinearTensor(dtype, values, shape), constant: constant)
    }
    static func float(_ values: [Float], _ shape: [Int] = [], constant: Bool = true) -> IntegerLinearInput {
        IntegerLinearInput(Tensor(dtype: .float32, shape: shape, values: values), constant: constant)
    }
}

func integerLinearTensor(_ dtype: DType, _ values: [Int], _ shape: [Int]) -> Tensor {
    switch dtype {
    case .uint8: Tensor(dtype: dtype, shape: shape, values: values.map { UInt8($0) })
    case .int8: Tensor(dtype: dtype, shape: shape, values: values.map { Int8($0) })
    case .int32: Tensor(dtype: dtype, shape: shape, values: values.map { Int32($0) })
    default: preconditionFailure("no integer test tensor for \(dtype)")
    }
}

/// Values of a uint8/int8/int32/float32 output, as Double for uniform comparison.
func integerLinearValues(_ t: Tensor) -> [Double] {
    switch t.dtype {
    case .uint8: t.scalars(as: UInt8.self).map(Double.init)
    case .int8: t.scalars(as: Int8.self).map(Double.init)
    case .int32: t.scalars(as: Int32.self).map(Double.init)
    case .float32: t.scalars(as: Float.self).map(Double.init)
    default: preconditionFailure("no values for \(t.dtype)")
    }
}

/// Prepares `op` (selected by input 0's dtype) through the standard registry.
func integerLinearPrepare(_ op: String, domain: String = "", attributes: [String: Attribute] = [:],
                          inputs: [IntegerLinearInput?], output: TensorType, threads: Int = 1) throws -> PreparedKernel {
    let node = Node(name: "test-\(op)", opType: op, domain: domain, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "x\($0)" },
                    outputs: ["y"], attributes: attributes)
    let signature = KernelSignature(
        node: node,
        inputTypes: inputs.map { $0.map { TensorType(dtype: $0.tensor.dtype, shape: $0.tensor.shape) } },
        outputTypes: [output],
        constants: inputs.map { $0?.constant == true ? $0!.tensor : nil },
        options: SessionOptions(threads: threads), opset: 21)
    guard let factory = KernelRegistry.standard.factory(for: KernelKey(op, domain: domain, dtype: inputs[0]!.tensor.dtype)) else {
        throw LinearTestError.noKernel(op)
    }
    return try factory(signature)
}

/// Prepares and runs `op` once with poisoned output and scratch; returns output 0 and the prepared kernel.
func integerLinearRun(_ op: String, domain: String = "", attributes: [String: Attribute] = [:],
                      inputs: [IntegerLinearInput?], output: TensorType, threads: Int = 1) throws -> (values: [Double], prepared: PreparedKernel) {
    let prepared = try integerLinearPrepare(op, domain: domain, attributes: attributes, inputs: inputs, output: output, threads: threads)
    let y = Tensor(dtype: output.dtype, shape: output.shape)
    y.storage.bytes.initializeMemory(as: UInt8.self, repeating: 0xA5, count: max(y.byteCount, 1))
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(prepared.scratchBytes, 64), alignment: 64)
    defer { scratch.deallocate() }
    scratch.initializeMemory(as: UInt8.self, repeating: 0xFF, count: max(prepared.scratchBytes, 64))
    let ins: [UnsafeRawPointer?] = inputs.map { $0.map { UnsafeRawPointer($0.tensor.storage.bytes) } }
    let outs: [UnsafeMutableRawPointer] = [y.storage.bytes]
    ins.withUnsafeBufferPointer { ib in
        outs.withUnsafeBufferPointer { ob in
            prepared.kernel.run(KernelContext(inputs: ib, outputs: ob, scratch: scratch, pool: LinearTestPool(threads: threads)))
        }
    }
    return (integerLinearValues(y), prepared)
}

/// Seeded full-range operands.
extension LinearSeededGenerator {
    /// Uniform values of an 8-bit dtype over its whole range, with both extremes present.
    mutating func ints(_ dtype: DType, _ count: Int) -> [Int] {
        let (lo, hi) = integerLinearRange(dtype)
        var v = (0..<count).map { _ in Int.random(in: lo...hi, using: &self) }
        if count >= 2 { v[0] = lo; v[count - 1] = hi }
        return v
    }
    mutating func int(_ dtype: DType) -> Int {
        let (lo, hi) = integerLinearRange(dtype)
        return Int.random(in: lo...hi, using: &self)
    }
    /// A zero point within 10 of the range's middle, as calibrated data has: the products'
    /// mean then stays small next to their spread and requantized outputs do not saturate.
    mutating func centeredInt(_ dtype: DType) -> Int {
        (dtype == .int8 ? 0 : 128) + Int.random(in: -10...10, using: &self)
    }
}

func integerLinearRange(_ d: DType) -> (Int, Int) { d == .int8 ? (-128, 127) : (0, 255) }

/// Scalar oracles, plain loops from the ONNX definitions with Int (64-bit) sums.
enum IntegerLinearReference {
    /// Σ (x − zx)(w − zw[m]) over an NCHW conv; `pads` = [top, left, bottom, right];
    /// taps in the padding contribute 0 (they hold the zero point).
    static func conv(x: [Int], xShape: [Int], zx: Int, w: [Int], wShape: [Int], zw: [Int],
                     strides: [Int], pads: [Int], dilations: [Int], group: Int) -> (values: [Int], shape: [Int]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (m, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
        let oh = (h + pads[0] + pads[2] - (kh - 1) * dilations[0] - 1) / strides[0] + 1
        let ow = (wd + pads[1] + pads[3] - (kw - 1) * dilations[1] - 1) / strides[1] + 1
        let mg = m / group
        var y = [Int](repeating: 0, count: n * m * oh * ow)
        for b in 0..<n {
            for oc in 0..<m {
                let g = oc / mg, z = zw.count == 1 ? zw[0] : zw[oc]
                for r in 0..<oh {
                    for q in 0..<ow {
                        var s = 0
                        for ic in 0..<cg {
                            let ch = g * cg + ic
                            for i in 0..<kh {
                                let ih = r * strides[0] - pads[0] + i * dilations[0]
                                if ih < 0 || ih >= h { continue }
                                for j in 0..<kw {
                                    let iw = q * strides[1] - pads[1] + j * dilations[1]
                                    if iw < 0 || iw >= wd { continue }
                                    s += (x[((b * c + ch) * h + ih) * wd + iw] - zx) * (w[((oc * cg + ic) * kh + i) * kw + j] - z)
                                }
                            }
                        }
                        y[((b * m + oc) * oh + r) * ow + q] = s
                    }
                }
            }
        }
        return (y, [n, m, oh, ow])
    }

    /// Σ_p (a[i, p] − za[i]) (b[p, j] − zb[j]) for row-major A (M×K) and B (K×N);
    /// za / zb hold 1 value or one per row / column.
    static func matmul(_ a: [Int], _ b: [Int], m: Int, n: Int, k: Int, za: [Int] = [0], zb: [Int] = [0]) -> [Int] {
        var c = [Int](repeating: 0, count: m * n)
        for i in 0..<m {
            let zi = za.count == 1 ? za[0] : za[i]
            for j in 0..<n {
                let zj = zb.count == 1 ? zb[0] : zb[j]
                var s = 0
                for p in 0..<k { s += (a[i * k + p] - zi) * (b[p * n + j] - zj) }
                c[i * n + j] = s
            }
        }
        return c
    }

    /// round_half_even(acc · scale) + zp, saturated: the kernels' rounding. acc · scale is
    /// exact in Double for |acc| < 2^29 (scale has a 24-bit significand).
    static func requantize(_ acc: Int, scale: Float, zeroPoint: Int, _ d: DType) -> Int {
        precondition(abs(acc) < 1 << 29, "accumulator too large for an exact Double product")
        let (lo, hi) = integerLinearRange(d)
        let q = Int((Double(acc) * Double(scale)).rounded(.toNearestOrEven)) + zeroPoint
        return min(max(q, lo), hi)
    }

    /// onnxruntime's float form: nearbyintf(float(acc) · scale) + zp, saturated.
    static func requantizeFloat(_ acc: Int, scale: Float, zeroPoint: Int, _ d: DType) -> Int {
        let (lo, hi) = integerLinearRange(d)
        let q = Int((Float(acc) * scale).rounded(.toNearestOrEven)) + zeroPoint
        return min(max(q, lo), hi)
    }
}

/// Exact equality of integer results, reporting the first mismatch.
func integerLinearExpectEqual(_ actual: [Double], _ expected: [Int], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    let bad = zip(actual, expected).enumerated().filter { $0.element.0 != Double($0.element.1) }
    if let first = bad.first {
        Issue.record("\(what): \(bad.count) of \(expected.count) differ; element \(first.offset) is \(first.element.0), expected \(first.element.1)",
                     sourceLocation: sourceLocation)
    }
}

/// Output quantization that spreads requantized values over the 8-bit range: the
/// accumulators' mean maps near the middle and ±2.5 standard deviations to about ±125 steps.
func integerLinearOutputQuantization(_ accumulators: [Int], inputScale: Float, _ d: DType) -> (scale: Float, zeroPoint: Int) {
    let count = Double(max(accumulators.count, 1))
    let mean = Double(accumulators.reduce(0, +)) / count
    let sd = max((accumulators.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count).squareRoot(), 1)
    let (lo, hi) = integerLinearRange(d)
    let multiplier = 50 / sd
    let zeroPoint = min(max(Int((Double(lo + hi) / 2 - mean * multiplier).rounded()), lo), hi)
    return (Float(Double(inputScale) / multiplier), zeroPoint)
}
