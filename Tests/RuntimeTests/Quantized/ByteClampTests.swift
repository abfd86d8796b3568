import Model
import Runtime
import Testing

/// The vector Clip/Relu on 8-bit tensors (the Clip QDQ fusion puts where a quantized
/// Relu was) against the scalar definition, on every byte value and a ragged tail.
@Suite struct ByteClampTests {
    static let count = 256 * 3 + 13  // not a multiple of the 16-byte step

    static func run<T: FixedWidthInteger & BitwiseCopyable>(_ op: String, _ dtype: DType, _: T.Type, bounds: [Int?], threads: Int) throws -> ([T], [T]) {
        let values = (0..<count).map { T(truncatingIfNeeded: $0 * 7 + 3) }
        var inputs: [OpInput?] = [OpInput(Tensor(dtype: dtype, shape: [count], values: values))]
        for b in bounds { inputs.append(b.map { OpInput(Tensor(dtype: dtype, shape: [], values: [T(truncatingIfNeeded: $0)]), constant: true) }) }
        let out = try runOperator(op, inputs, outputs: [TensorType(dtype: dtype, shape: [count])], opset: 13, threads: threads)
        return (values, out.outputs[0].scalars(as: T.self))
    }

    @Test(arguments: [1, 3])
    func int8ClipAtAZeroPointAndBothBounds(threads: Int) throws {
        for (lo, hi) in [(-5, nil), (-100, 90), (nil, 0), (20, 20)] as [(Int?, Int?)] {
            let (x, y) = try Self.run("Clip", .int8, Int8.self, bounds: [lo, hi], threads: threads)
            let expected = x.map { Swift.min(Int8(hi ?? 127), Swift.max(Int8(lo ?? -128), $0)) }
            #expect(y == expected, "int8 Clip [\(lo ?? -128), \(hi ?? 127)]")
        }
    }

    @Test(arguments: [1, 3])
    func uint8ClipAndRelu(threads: Int) throws {
        let (x, y) = try Self.run("Clip", .uint8, UInt8.self, bounds: [128, 250], threads: threads)
        #expect(y == x.map { Swift.min(250, Swift.max(128, $0)) })
        let (x8, r8) = try Self.run("Relu", .int8, Int8.self, bounds: [], threads: threads)
        #expect(r8 == x8.map { Swift.max(0, $0) })
        #expect(r8.contains(0) && r8.contains(127))
    }
}
