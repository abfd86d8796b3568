import Foundation
import Model
import Runtime
import Testing

@Suite("Operators: softmax and reductions")
struct OperatorReduceSoftmaxTests {
    /// x[2,3,4] = 0.1 * i, normalized per the given grouping: `group(i)` names the set
    /// each element is normalized within.
    static func softmaxReference(_ x: [Float], group: (Int) -> Int) -> [Float] {
        var sums: [Int: Float] = [:]
        for (i, v) in x.enumerated() { sums[group(i), default: 0] += Foundation.exp(v) }
        return x.enumerated().map { i, v in Foundation.exp(v) / sums[group(i)]! }
    }

    @Test("Softmax axis=1: opset 11 flattens [2, 12], opset 13 normalizes dimension 1 only")
    func softmaxOpsets() throws {
        let x = iota(24, scale: 0.1)
        let old = try runFloat("Softmax", [OpInput(x, [2, 3, 4])], shape: [2, 3, 4], attributes: ["axis": .int(1)], opset: 11)
        expectClose(old, Self.softmaxReference(x) { $0 / 12 })
        let new = try runFloat("Softmax", [OpInput(x, [2, 3, 4])], shape: [2, 3, 4], attributes: ["axis": .int(1)], opset: 13)
        expectClose(new, Self.softmaxReference(x) { ($0 / 12) * 4 + $0 % 4 })
        // Default axis: 1 before 13, -1 from 13.
        let last = try runFloat("Softmax", [OpInput(x, [2, 3, 4])], shape: [2, 3, 4], opset: 13)
        expectClose(last, Self.softmaxReference(x) { $0 / 4 })
    }

    @Test("LogSoftmax and Hardmax, large inputs do not overflow")
    func logSoftmaxHardmax() throws {
        let x: [Float] = [1000, 1001, 1002, -5, 7, 7]
        let log = try runFloat("LogSoftmax", [OpInput(x, [2, 3])], shape: [2, 3], attributes: ["axis": .int(-1)], opset: 13)
        let l0 = Foundation.log(Foundation.exp(Float(-2)) + Foundation.exp(Float(-1)) + 1)
        expectClose(Array(log.prefix(3)), [-2 - l0, -1 - l0, -l0])
        let hard = try runFloat("Hardmax", [OpInput(x, [2, 3])], shape: [2, 3], attributes: ["axis": .int(1)], opset: 13)
        #expect(hard == [0, 0, 1, 0, 1, 0])
    }

    @Test("ReduceSum/Mean/Max over axes attribute, keepdims, negative axes")
    func reductions() throws {
        let x = iota(24) // [2, 3, 4]
        let input = OpInput(x, [2, 3, 4])
        func at(_ i: Int, _ j: Int, _ k: Int) -> Float { Float(i * 12 + j * 4 + k) }
        let sum1 = (0..<2).flatMap { i in (0..<4).map { k in (0..<3).reduce(Float(0)) { $0 + at(i, $1, k) } } }
        expectClose(try runFloat("ReduceSum", [input], shape: [2, 4], attributes: ["axes": .ints([1]), "keepdims": .int(0)], opset: 11), sum1)
        expectClose(try runFloat("ReduceSum", [input, .int64([-2])], shape: [2, 1, 4], opset: 13), sum1)
        expectClose(try runFloat("ReduceMean", [input], shape: [1, 1, 4], attributes: ["axes": .ints([0, -2])], opset: 11),
                    (0..<4).map { k in (0..<6).reduce(Float(0)) { $0 + at($1 / 3, $1 % 3, k) } / 6 })
        expectClose(try runFloat("ReduceMax", [input], shape: [1, 1, 1], opset: 11), [23])
        expectClose(try runFloat("ReduceMin", [input], shape: [2, 3], attributes: ["axes": .ints([2]), "keepdims": .int(0)], opset: 11),
                    [0, 4, 8, 12, 16, 20])
        // noop_with_empty_axes: no axes means identity.
        expectClose(try runFloat("ReduceSum", [input, nil], shape: [2, 3, 4], attributes: ["noop_with_empty_axes": .int(1)], opset: 13), x)
    }

    @Test("ReduceL2, LogSumExp (stable), SumSquare, Prod, L1")
    func otherReductions() throws {
        let x: [Float] = [3, -4, 500, 501]
        let input = OpInput(x, [2, 2])
        let attrs: [String: Attribute] = ["axes": .ints([1]), "keepdims": .int(0)]
        expectClose(try runFloat("ReduceL2", [input], shape: [2], attributes: attrs, opset: 11), [5, (500 * 500 + 501 * 501 as Float).squareRoot()])
        expectClose(try runFloat("ReduceL1", [input], shape: [2], attributes: attrs, opset: 11), [7, 1001])
        expectClose(try runFloat("ReduceSumSquare", [input], shape: [2], attributes: attrs, opset: 11), [25, 500 * 500 + 501 * 501])
        expectClose(try runFloat("ReduceProd", [input], shape: [2], attributes: attrs, opset: 11), [-12, 250_500])
        let lse = try runFloat("ReduceLogSumExp", [input], shape: [2], attributes: attrs, opset: 11)
        expectClose(lse, [Foundation.log(Foundation.exp(3) + Foundation.exp(-4)), 501 + Foundation.log(1 + Foundation.exp(-1))])
    }

    @Test("ArgMax/ArgMin with keepdims and select_last_index")
    func argExtremes() throws {
        let x = OpInput([1, 5, 5, 0, 2, 0], [2, 3])
        let out = [TensorType(dtype: .int64, shape: [2, 1])]
        #expect(try runOperator("ArgMax", [x], outputs: out, attributes: ["axis": .int(1)]).outputs[0].integers() == [1, 1])
        #expect(try runOperator("ArgMax", [x], outputs: out, attributes: ["axis": .int(-1), "select_last_index": .int(1)]).outputs[0].integers() == [2, 1])
        #expect(try runOperator("ArgMin", [x], outputs: [TensorType(dtype: .int64, shape: [3])],
                                attributes: ["axis": .int(0), "keepdims": .int(0)]).outputs[0].integers() == [1, 1, 1])
    }
}
