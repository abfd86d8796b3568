import Foundation
import Model
import Runtime
import Testing

@Suite("Operators: elementwise")
struct OperatorElementwiseTests {
    /// Scalar reference for a numpy broadcast of two row-major tensors.
    static func broadcastReference(_ a: [Float], _ sa: [Int], _ b: [Float], _ sb: [Int], _ out: [Int],
                                   _ f: (Float, Float) -> Float) -> [Float] {
        func index(_ flat: Int, _ shape: [Int]) -> Int {
            var rem = flat, idx = 0, step = 1
            let lead = out.count - shape.count
            var coords = [Int](repeating: 0, count: out.count)
            for d in stride(from: out.count - 1, through: 0, by: -1) { coords[d] = rem % out[d]; rem /= out[d] }
            for d in stride(from: shape.count - 1, through: 0, by: -1) {
                idx += (shape[d] == 1 ? 0 : coords[d + lead]) * step
                step *= shape[d]
            }
            return idx
        }
        return (0..<out.reduce(1, *)).map { f(a[index($0, sa)], b[index($0, sb)]) }
    }

    @Test("Add/Sub/Mul/Div/Max/Min/Pow/PRelu broadcast like numpy", arguments: [1, 4])
    func broadcasting(threads: Int) throws {
        let cases: [([Int], [Int], [Int])] = [
            ([2, 3], [2, 3], [2, 3]), ([2, 3], [3], [2, 3]), ([2, 1], [1, 3], [2, 3]), ([1, 3, 2, 2], [3, 1, 1], [1, 3, 2, 2]),
            ([4, 1, 5], [3, 1], [4, 3, 5]), ([], [2, 2], [2, 2]), ([3, 37], [1], [3, 37]), ([70000], [70000], [70000]),
            ([2, 3, 1, 4], [3, 5, 1], [2, 3, 5, 4]),
        ]
        let ops: [(String, (Float, Float) -> Float)] = [
            ("Add", +), ("Sub", -), ("Mul", *), ("Div", /), ("Max", { max($0, $1) }), ("Min", { min($0, $1) }),
            ("Pow", { Foundation.pow($0, $1) }),
        ]
        for (sa, sb, out) in cases {
            let a = iota(sa.reduce(1, *), scale: 0.37, offset: -3), b = iota(sb.reduce(1, *), scale: -0.11, offset: 2.5)
            for (op, f) in ops {
                let pa = op == "Pow" ? a.map { abs($0) } : a
                let got = try runFloat(op, [OpInput(pa, sa), OpInput(b, sb)], shape: out, threads: threads)
                expectClose(got, Self.broadcastReference(pa, sa, b, sb, out, f), "\(op) \(sa) \(sb)")
            }
        }
    }

    @Test("opset 6 broadcast with axis aligns B inside A")
    func legacyAxisBroadcast() throws {
        let a = Tensor(dtype: .float64, shape: [2, 3], values: [1.0, 2, 3, 4, 5, 6])
        let b = Tensor(dtype: .float64, shape: [2], values: [10.0, 20])
        let y = try runOperator("Add", [OpInput(a), OpInput(b)], outputs: [TensorType(dtype: .float64, shape: [2, 3])],
                                attributes: ["broadcast": .int(1), "axis": .int(0)], opset: 6).outputs[0]
        #expect(y.scalars(as: Double.self) == [11, 12, 13, 24, 25, 26])
    }

    @Test("int64 arithmetic wraps and divides toward zero; Mod follows fmod")
    func integers() throws {
        let a = OpInput.int64([7, -7, 9, .min], constant: false), b = OpInput.int64([2, 2, 0, -1], constant: false)
        let t = [TensorType(dtype: .int64, shape: [4])]
        #expect(try runOperator("Div", [a, b], outputs: t).outputs[0].integers() == [3, -3, 0, .min])
        #expect(try runOperator("Mul", [a, b], outputs: t).outputs[0].integers() == [14, -14, 0, .min])
        #expect(try runOperator("Mod", [a, OpInput.int64([3, 3, 4, 5])], outputs: t).outputs[0].integers() == [1, 2, 1, 2])
        #expect(try runOperator("Mod", [a, OpInput.int64([3, 3, 4, 5])], outputs: t, attributes: ["fmod": .int(1)]).outputs[0].integers() == [1, -1, 1, -3])
    }

    @Test("comparisons, logic and Where")
    func comparisonsAndWhere() throws {
        let a = OpInput([1, 2, 3, 4], [4]), b = OpInput([3], [1])
        let boolOut = [TensorType(dtype: .bool, shape: [4])]
        let less = try runOperator("Less", [a, b], outputs: boolOut).outputs[0]
        #expect(less.scalars(as: UInt8.self) == [1, 1, 0, 0])
        #expect(try runOperator("GreaterOrEqual", [a, b], outputs: boolOut).outputs[0].scalars(as: UInt8.self) == [0, 0, 1, 1])
        #expect(try runOperator("Equal", [a, b], outputs: boolOut).outputs[0].scalars(as: UInt8.self) == [0, 0, 1, 0])
        let notLess = try runOperator("Not", [OpInput(less)], outputs: boolOut).outputs[0]
        #expect(try runOperator("Xor", [OpInput(less), OpInput(notLess)], outputs: boolOut).outputs[0].scalars(as: UInt8.self) == [1, 1, 1, 1])
        // Where broadcasts a [2,1] condition against [1,4] and [4] values.
        let cond = Tensor(dtype: .bool, shape: [2, 1], values: [UInt8(1), 0])
        let y = try runFloat("Where", [OpInput(cond), OpInput([1, 2, 3, 4], [1, 4]), OpInput([-1, -2, -3, -4], [4])], shape: [2, 4])
        #expect(y == [1, 2, 3, 4, -1, -2, -3, -4])
    }

    @Test("variadic Sum/Mean/Max broadcast over three inputs")
    func variadic() throws {
        let inputs = [OpInput([1, 2, 3], [3]), OpInput([10, 20], [2, 1]), OpInput([100], [1])]
        expectClose(try runFloat("Sum", inputs, shape: [2, 3]), [111, 112, 113, 121, 122, 123])
        expectClose(try runFloat("Mean", inputs, shape: [2, 3]), [37, 112.0 / 3, 113.0 / 3, 121.0 / 3, 122.0 / 3, 41])
        expectClose(try runFloat("Max", [OpInput([1, 50, 3], [3]), OpInput([10, 20], [2, 1]), OpInput([2], [1])], shape: [2, 3]),
                    [10, 50, 10, 20, 50, 20])
        expectClose(try runFloat("Sum", [OpInput([1, 2], [2])], shape: [2]), [1, 2])
    }

    @Test("PRelu: opset-6 per-channel slope of length C")
    func preluChannel() throws {
        let x = iota(2 * 3 * 4, offset: -12)
        let y = try runFloat("PRelu", [OpInput(x, [2, 3, 4]), OpInput([0.1, 0.2, 0.3], [3], constant: true)], shape: [2, 3, 4], opset: 6)
        let expected = x.enumerated().map { i, v -> Float in v < 0 ? v * [0.1, 0.2, 0.3][(i / 4) % 3] : v }
        expectClose(y, expected)
    }

    @Test("activations match their scalar definitions across SIMD tails", arguments: [1, 3])
    func activations(threads: Int) throws {
        let x = iota(1003, scale: 0.031, offset: -15.5) + [-100, 100, 0]
        let n = x.count
        func check(_ op: String, _ attrs: [String: Attribute] = [:], tolerance: Float = 2e-6, _ f: (Float) -> Float) throws {
            expectClose(try runFloat(op, [OpInput(x, [n])], shape: [n], attributes: attrs, threads: threads), x.map(f),
                        tolerance: tolerance, op)
        }
        try check("Relu") { max($0, 0) }
        try check("LeakyRelu", ["alpha": .float(0.1)]) { $0 < 0 ? 0.1 * $0 : $0 }
        try check("Sigmoid") { 1 / (1 + Foundation.exp(-$0)) }
        try check("Tanh") { Foundation.tanh($0) }
        try check("Exp", tolerance: 1e-6) { Foundation.exp($0) }
        try check("Elu", ["alpha": .float(2)]) { $0 < 0 ? 2 * (Foundation.exp($0) - 1) : $0 }
        try check("Selu") { $0 <= 0 ? 1.0507009873554805 * 1.6732632423543772 * (Foundation.exp($0) - 1) : 1.0507009873554805 * $0 }
        try check("Softplus") { Float(Foundation.log1p(Foundation.exp(Double($0)))) }
        try check("Softsign") { $0 / (1 + abs($0)) }
        try check("HardSigmoid") { max(0, min(1, 0.2 * $0 + 0.5)) }
        try check("HardSwish") { $0 * max(0, min(1, $0 / 6 + 0.5)) }
        try check("Gelu") { 0.5 * $0 * (1 + Foundation.erf($0 / Float(2).squareRoot())) }
        try check("Round") { $0.rounded(.toNearestOrEven) }
        try check("Neg") { -$0 }
    }

    @Test("Clip: attributes before opset 11, constant or run-time inputs after")
    func clip() throws {
        let x = OpInput([-2, -0.5, 0, 0.7, 3], [5])
        expectClose(try runFloat("Clip", [x], shape: [5], attributes: ["min": .float(-1), "max": .float(1)], opset: 6), [-1, -0.5, 0, 0.7, 1])
        expectClose(try runFloat("Clip", [x, OpInput([-1], [], constant: true), nil], shape: [5], opset: 13), [-1, -0.5, 0, 0.7, 3])
        expectClose(try runFloat("Clip", [x, nil, OpInput([0.5], [])], shape: [5], opset: 13), [-2, -0.5, 0, 0.5, 0.5])
    }

    @Test("prepare rejects shapes that do not broadcast, naming the node")
    func badBroadcast() {
        #expect(throws: KernelError.self) {
            _ = try runFloat("Add", [OpInput(iota(6), [2, 3]), OpInput(iota(2), [2])], shape: [2, 3])
        }
    }
}
