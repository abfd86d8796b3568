import Foundation
import Model
import Runtime
import Testing

/// Spec references in Double: dequantize, compute in real numbers, quantize (round half to even).
enum QLinearReference {
    static func index(_ flat: Int, _ shape: [Int], in out: [Int]) -> Int {
        var rem = flat, idx = 0, step = 1
        var coords = [Int](repeating: 0, count: out.count)
        for d in stride(from: out.count - 1, through: 0, by: -1) { coords[d] = rem % out[d]; rem /= out[d] }
        let lead = out.count - shape.count
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            idx += (shape[d] == 1 ? 0 : coords[d + lead]) * step
            step *= shape[d]
        }
        return idx
    }

    static func binary(_ a: [Int], _ sa: [Int], _ b: [Int], _ sb: [Int], out: [Int], scales: [Float], zps: [Int], dtype: DType,
                       _ f: (Double, Double) -> Double) -> [Int] {
        (0..<out.reduce(1, *)).map { i in
            let x = Double(a[index(i, sa, in: out)] - zps[0]) * Double(scales[0])
            let y = Double(b[index(i, sb, in: out)] - zps[1]) * Double(scales[1])
            return referenceQuantize(f(x, y) / Double(scales[2]), zeroPoint: zps[2], dtype)
        }
    }
}

@Suite("Quantized: QLinearAdd, QLinearMul, QLinearConcat, QLinearSoftmax")
struct QLinearElementwiseTests {
    static func binaryInputs(_ a: [Int], _ sa: [Int], _ b: [Int], _ sb: [Int], scales: [Float], zps: [Int], dtype: DType) -> [OpInput?] {
        [OpInput(quantizedTensor(dtype, a, shape: sa)), OpInput(scalarTensor(scales[0]), constant: true), OpInput(scalarQuantized(dtype, zps[0]), constant: true),
         OpInput(quantizedTensor(dtype, b, shape: sb)), OpInput(scalarTensor(scales[1]), constant: true), OpInput(scalarQuantized(dtype, zps[1]), constant: true),
         OpInput(scalarTensor(scales[2]), constant: true), OpInput(scalarQuantized(dtype, zps[2]), constant: true)]
    }

    @Test("QLinearAdd and QLinearMul broadcast and match the spec exactly", arguments: [DType.uint8, .int8])
    func binary(dtype: DType) throws {
        var rng = QuantRandom(seed: 17)
        let (lo, hi) = quantizedRange(dtype)
        let cases: [([Int], [Int], [Int])] = [([2, 3, 4], [2, 3, 4], [2, 3, 4]), ([2, 3, 4], [4], [2, 3, 4]), ([2, 1, 4], [3, 1], [2, 3, 4]),
                                              ([1, 16, 5, 5], [1, 16, 1, 1], [1, 16, 5, 5]), ([], [7], [7]),
                                              // Rows of 576 against a per-channel constant, either side: QLinearMul's table path.
                                              ([1, 3, 24, 24], [1, 3, 1, 1], [1, 3, 24, 24]), ([1, 3, 1, 1], [1, 3, 24, 24], [1, 3, 24, 24])]
        for (sa, sb, out) in cases {
            let a = rng.ints(sa.reduce(1, *), lo, hi), b = rng.ints(sb.reduce(1, *), lo, hi)
            let scales = rng.floats(3, 0.005, 0.1), zps = rng.ints(3, lo / 2, hi / 2)
            for (op, f) in [("QLinearAdd", { (x: Double, y: Double) in x + y }), ("QLinearMul", { $0 * $1 })] {
                let r = try runQuantizedOperator(op, domain: "com.microsoft", Self.binaryInputs(a, sa, b, sb, scales: scales, zps: zps, dtype: dtype),
                                                 outputs: [TensorType(dtype: dtype, shape: out)], threads: 3)
                let expected = QLinearReference.binary(a, sa, b, sb, out: out, scales: scales, zps: zps, dtype: dtype, f)
                #expect(quantizedValues(r.outputs[0]) == expected, "\(op) \(sa) \(sb)")
                #expect(r.prepared.computeType == dtype)
                #expect(r.prepared.ops == [dtype: Int64(out.reduce(1, *)) * (op == "QLinearAdd" ? 4 : 6)])
            }
        }
    }

    @Test("QLinearMul at a scale ratio of exactly one half rounds ties to even")
    func mulTies() throws {
        let a = [1, 3, 5, 7, 9], b = [1, 1, 1, 1, 1]
        let r = try runQuantizedOperator("QLinearMul", domain: "com.microsoft",
                                         Self.binaryInputs(a, [5], b, [5], scales: [1, 1, 2], zps: [0, 0, 0], dtype: .int8),
                                         outputs: [TensorType(dtype: .int8, shape: [5])])
        #expect(quantizedValues(r.outputs[0]) == [0, 2, 2, 4, 4])
    }

    @Test("non-constant scales are refused with a typed error")
    func nonConstantScale() throws {
        var inputs = Self.binaryInputs([1], [1], [1], [1], scales: [1, 1, 1], zps: [0, 0, 0], dtype: .uint8)
        inputs[1]!.constant = false
        #expect(throws: KernelError.self) {
            _ = try runQuantizedOperator("QLinearAdd", domain: "com.microsoft", inputs, outputs: [TensorType(dtype: .uint8, shape: [1])])
        }
    }

    @Test("QLinearConcat requantizes each input to the output's parameters", arguments: [DType.uint8, .int8])
    func concat(dtype: DType) throws {
        var rng = QuantRandom(seed: 23)
        let (lo, hi) = quantizedRange(dtype)
        let shapes = [[2, 3, 2], [2, 1, 2], [2, 4, 2]]
        let values = shapes.map { rng.ints($0.reduce(1, *), lo, hi) }
        let scales: [Float] = [0.02, 0.05, 0.03], zps = [lo + 10, 0, hi - 20]
        let ys: Float = 0.05, yz = 0
        var inputs: [OpInput?] = [OpInput(scalarTensor(ys), constant: true), OpInput(scalarQuantized(dtype, yz), constant: true)]
        for i in 0..<3 {
            inputs += [OpInput(quantizedTensor(dtype, values[i], shape: shapes[i])), OpInput(scalarTensor(scales[i]), constant: true),
                       OpInput(scalarQuantized(dtype, zps[i]), constant: true)]
        }
        let r = try runQuantizedOperator("QLinearConcat", domain: "com.microsoft", inputs, outputs: [TensorType(dtype: dtype, shape: [2, 8, 2])],
                                         attributes: ["axis": .int(1)])
        var expected: [Int] = []
        for o in 0..<2 {
            for i in 0..<3 {
                let block = shapes[i][1] * 2
                for v in values[i][(o * block)..<((o + 1) * block)] {
                    expected.append(referenceQuantize(Double(v - zps[i]) * Double(scales[i]) / Double(ys), zeroPoint: yz, dtype))
                }
            }
        }
        #expect(quantizedValues(r.outputs[0]) == expected)
        // Input 1 has the output's parameters: copied, not counted.
        #expect(r.prepared.ops == [dtype: Int64(12 + 16)])
    }

    @Test("QLinearSoftmax is within one step of the float softmax", arguments: [DType.uint8, .int8])
    func softmax(dtype: DType) throws {
        var rng = QuantRandom(seed: 29)
        let (lo, hi) = quantizedRange(dtype)
        let shape = [3, 4, 10]
        let x = rng.ints(120, lo, hi)
        let xs: Float = 0.04, xz = dtype == .uint8 ? 128 : 0
        let ys: Float = 1.0 / 256, yz = dtype == .uint8 ? 0 : -128
        for (axis, opset) in [(-1, 13), (1, 13), (1, 11)] {
            let r = try runQuantizedOperator("QLinearSoftmax", domain: "com.microsoft",
                                             [OpInput(quantizedTensor(dtype, x, shape: shape)), OpInput(scalarTensor(xs), constant: true),
                                              OpInput(scalarQuantized(dtype, xz), constant: true), OpInput(scalarTensor(ys), constant: true),
                                              OpInput(scalarQuantized(dtype, yz), constant: true)],
                                             outputs: [TensorType(dtype: dtype, shape: shape)], attributes: ["axis": .int(axis), "opset": .int(opset)])
            // (outer, n, inner) view as in the ONNX Softmax definitions.
            let a = axis < 0 ? axis + 3 : axis
            let outer = shape.prefix(a).reduce(1, *)
            let n = opset < 13 ? shape.dropFirst(a).reduce(1, *) : shape[a]
            let inner = opset < 13 ? 1 : shape.dropFirst(a + 1).reduce(1, *)
            var expected = [Int](repeating: 0, count: 120)
            for o in 0..<outer {
                for i in 0..<inner {
                    let idx = (0..<n).map { o * n * inner + $0 * inner + i }
                    let v = idx.map { Double(x[$0] - xz) * Double(xs) }
                    let m = v.max()!
                    let e = v.map { exp($0 - m) }
                    let s = e.reduce(0, +)
                    for (k, j) in idx.enumerated() { expected[j] = referenceQuantize(e[k] / s / Double(ys), zeroPoint: yz, dtype) }
                }
            }
            let got = quantizedValues(r.outputs[0])
            #expect(zip(got, expected).allSatisfy { abs($0 - $1) <= 1 }, "axis \(axis) opset \(opset)")
            #expect(zip(got, expected).filter { $0 != $1 }.count <= 6, "axis \(axis) opset \(opset): most elements exact")
        }
    }
}
