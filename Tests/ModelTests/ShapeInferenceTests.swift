import Model
import Testing

/// Runs inference on a one-node graph and returns the output types.
func inferOne(_ op: String, inputs: [(String, TensorType)], constants: [String: Tensor] = [:], outputs: Int = 1,
              attributes: [String: Attribute] = [:], domain: String = "", opset: Int = 17) throws -> [TensorType] {
    var names = inputs.map(\.0)
    names += constants.keys.sorted().filter { !names.contains($0) }
    let outs = (0..<outputs).map { "y\($0)" }
    let node = Node(name: "n", opType: op, domain: domain, inputs: names, outputs: outs, attributes: attributes)
    var g = Graph(name: "t", nodes: [node], initializers: constants,
                  inputs: inputs.map { ValueInfo(name: $0.0, declaredShape: $0.1.shape.map { .fixed($0) }, type: $0.1) },
                  outputs: outs.map { ValueInfo(name: $0, declaredShape: [], type: TensorType(dtype: .float32, shape: [])) },
                  opsets: ["": opset, "com.microsoft": 1])
    try ShapeInference.infer(&g)
    return outs.map { g.valueTypes[$0]! }
}

func f32(_ s: [Int]) -> TensorType { TensorType(dtype: .float32, shape: s) }
func i64(_ v: [Int]) -> Tensor { Tensor(dtype: .int64, shape: [v.count], values: v.map { Int64($0) }) }

@Suite struct ShapeInferenceTests {
    let w = Tensor(dtype: .float32, shape: [8, 3, 3, 3])

    @Test func convPadsStridesDilationsGroups() throws {
        #expect(try inferOne("Conv", inputs: [("x", f32([1, 3, 32, 32]))], constants: ["w": w],
                             attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])]) == [f32([1, 8, 16, 16])])
        #expect(try inferOne("Conv", inputs: [("x", f32([1, 3, 32, 32]))], constants: ["w": w],
                             attributes: ["dilations": .ints([2, 2])]) == [f32([1, 8, 28, 28])])
        #expect(try inferOne("Conv", inputs: [("x", f32([1, 3, 31, 31]))], constants: ["w": w],
                             attributes: ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])]) == [f32([1, 8, 16, 16])])
        #expect(try inferOne("Conv", inputs: [("x", f32([1, 3, 31, 31]))], constants: ["w": w],
                             attributes: ["auto_pad": .string("VALID"), "strides": .ints([2, 2])]) == [f32([1, 8, 15, 15])])
        let dw = Tensor(dtype: .float32, shape: [6, 1, 3, 3])
        #expect(try inferOne("Conv", inputs: [("x", f32([2, 6, 10, 10]))], constants: ["w": dw], attributes: ["group": .int(6)]) == [f32([2, 6, 8, 8])])
        #expect(throws: ModelError.self) { try inferOne("Conv", inputs: [("x", f32([1, 4, 8, 8]))], constants: ["w": w]) }
    }

    @Test func convTranspose() throws {
        let wt = Tensor(dtype: .float32, shape: [3, 5, 3, 3])
        #expect(try inferOne("ConvTranspose", inputs: [("x", f32([1, 3, 8, 8]))], constants: ["w": wt],
                             attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "output_padding": .ints([1, 1])]) == [f32([1, 5, 16, 16])])
        #expect(try inferOne("ConvTranspose", inputs: [("x", f32([1, 3, 8, 8]))], constants: ["w": wt],
                             attributes: ["output_shape": .ints([20, 21]), "strides": .ints([2, 2])]) == [f32([1, 5, 20, 21])])
    }

    @Test func pools() throws {
        let x = ("x", f32([1, 16, 112, 112]))
        #expect(try inferOne("MaxPool", inputs: [x], attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2])]) == [f32([1, 16, 55, 55])])
        #expect(try inferOne("MaxPool", inputs: [x], attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "ceil_mode": .int(1)]) == [f32([1, 16, 56, 56])])
        #expect(try inferOne("AveragePool", inputs: [("x", f32([1, 2, 5, 5]))], attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "ceil_mode": .int(1)]) == [f32([1, 2, 3, 3])])
        #expect(try inferOne("GlobalAveragePool", inputs: [x]) == [f32([1, 16, 1, 1])])
        let withIndices = try inferOne("MaxPool", inputs: [x], outputs: 2, attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])])
        #expect(withIndices[1] == TensorType(dtype: .int64, shape: [1, 16, 56, 56]))
    }

    @Test func matmulAndGemm() throws {
        #expect(try inferOne("MatMul", inputs: [("a", f32([2, 1, 4, 8])), ("b", f32([3, 8, 5]))]) == [f32([2, 3, 4, 5])])
        #expect(try inferOne("MatMul", inputs: [("a", f32([8])), ("b", f32([2, 8, 5]))]) == [f32([2, 5])])
        #expect(try inferOne("MatMul", inputs: [("a", f32([3, 8])), ("b", f32([8]))]) == [f32([3])])
        #expect(throws: ModelError.self) { try inferOne("MatMul", inputs: [("a", f32([3, 7])), ("b", f32([8, 2]))]) }
        #expect(try inferOne("Gemm", inputs: [("a", f32([4, 9])), ("b", f32([7, 9]))], attributes: ["transB": .int(1)]) == [f32([4, 7])])
        #expect(try inferOne("Gemm", inputs: [("a", f32([9, 4])), ("b", f32([9, 7]))], attributes: ["transA": .int(1)]) == [f32([4, 7])])
        let q = try inferOne("MatMulInteger", inputs: [("a", TensorType(dtype: .uint8, shape: [2, 3])), ("b", TensorType(dtype: .int8, shape: [3, 4]))])
        #expect(q == [TensorType(dtype: .int32, shape: [2, 4])])
    }

    @Test func reshapeFlattenTranspose() throws {
        let x = ("x", f32([2, 3, 4]))
        #expect(try inferOne("Reshape", inputs: [x], constants: ["s": i64([0, -1])]) == [f32([2, 12])])
        #expect(try inferOne("Reshape", inputs: [x], constants: ["s": i64([4, 0, 2])]) == [f32([4, 3, 2])])
        #expect(throws: ModelError.self) { try inferOne("Reshape", inputs: [x], constants: ["s": i64([5, -1])]) }
        #expect(try inferOne("Flatten", inputs: [x], attributes: ["axis": .int(2)]) == [f32([6, 4])])
        #expect(try inferOne("Flatten", inputs: [x], attributes: ["axis": .int(-1)]) == [f32([6, 4])])
        #expect(try inferOne("Flatten", inputs: [x], attributes: ["axis": .int(3)]) == [f32([24, 1])])
        #expect(try inferOne("Transpose", inputs: [x], attributes: ["perm": .ints([2, 0, 1])]) == [f32([4, 2, 3])])
    }

    @Test func sliceForwardsBackwardsAndOldOpset() throws {
        let x = ("x", f32([10, 20]))
        #expect(try inferOne("Slice", inputs: [x], constants: ["a_starts": i64([1, -5]), "b_ends": i64([8, Int.max])]) == [f32([7, 5])])
        // starts, ends, axes, steps: reverse dim 1 with step -2.
        #expect(try inferOne("Slice", inputs: [x], constants: ["a": i64([-1]), "b": i64([Int.min]), "c": i64([1]), "d": i64([-2])]) == [f32([10, 10])])
        #expect(try inferOne("Slice", inputs: [x], attributes: ["starts": .ints([2]), "ends": .ints([4]), "axes": .ints([1])], opset: 9) == [f32([10, 2])])
    }

    @Test func concatSplitSqueezeGatherPadResize() throws {
        #expect(try inferOne("Concat", inputs: [("a", f32([1, 2, 3])), ("b", f32([1, 5, 3]))], attributes: ["axis": .int(1)]) == [f32([1, 7, 3])])
        #expect(try inferOne("Split", inputs: [("x", f32([6, 4]))], outputs: 3) == [f32([2, 4]), f32([2, 4]), f32([2, 4])])
        #expect(try inferOne("Split", inputs: [("x", f32([6, 4]))], constants: ["s": i64([1, 5])], outputs: 2) == [f32([1, 4]), f32([5, 4])])
        #expect(try inferOne("Squeeze", inputs: [("x", f32([1, 3, 1]))]) == [f32([3])])
        #expect(try inferOne("Unsqueeze", inputs: [("x", f32([3]))], constants: ["a": i64([0, -1])]) == [f32([1, 3, 1])])
        #expect(try inferOne("Unsqueeze", inputs: [("x", f32([3]))], attributes: ["axes": .ints([1])], opset: 11) == [f32([3, 1])])
        #expect(try inferOne("Gather", inputs: [("x", f32([5, 6])), ("i", TensorType(dtype: .int64, shape: [2, 3]))], attributes: ["axis": .int(1)]) == [f32([5, 2, 3])])
        #expect(try inferOne("Pad", inputs: [("x", f32([1, 3, 4, 4]))], constants: ["p": i64([0, 0, 1, 2, 0, 0, 3, 4])]) == [f32([1, 3, 8, 10])])
        let scales = Tensor(floats: [1, 1, 2, 2], shape: [4])
        #expect(try inferOne("Resize", inputs: [("x", f32([1, 3, 5, 5]))], constants: ["b_scales": scales], attributes: [:], opset: 10) == [f32([1, 3, 10, 10])])
        #expect(try inferOne("DepthToSpace", inputs: [("x", f32([1, 8, 2, 2]))], attributes: ["blocksize": .int(2)]) == [f32([1, 2, 4, 4])])
    }

    @Test func reductionsBroadcastAndDtypes() throws {
        #expect(try inferOne("ReduceMean", inputs: [("x", f32([2, 3, 4]))], attributes: ["axes": .ints([1]), "keepdims": .int(0)], opset: 13) == [f32([2, 4])])
        #expect(try inferOne("ReduceSum", inputs: [("x", f32([2, 3, 4]))], constants: ["axes": i64([-1])]) == [f32([2, 3, 1])])
        #expect(try inferOne("ArgMax", inputs: [("x", f32([2, 3]))], attributes: ["axis": .int(1)]) == [TensorType(dtype: .int64, shape: [2, 1])])
        #expect(try inferOne("Add", inputs: [("a", f32([4, 1, 3])), ("b", f32([5, 1]))]) == [f32([4, 5, 3])])
        #expect(try inferOne("Less", inputs: [("a", f32([3])), ("b", f32([1]))]) == [TensorType(dtype: .bool, shape: [3])])
        #expect(throws: ModelError.self) { try inferOne("Mul", inputs: [("a", f32([3])), ("b", f32([4]))]) }
        #expect(try inferOne("Cast", inputs: [("a", f32([3]))], attributes: ["to": .int(10)]) == [TensorType(dtype: .float16, shape: [3])])
        let q = try inferOne("QuantizeLinear", inputs: [("x", f32([2, 2])), ("s", f32([])), ("z", TensorType(dtype: .int8, shape: []))])
        #expect(q == [TensorType(dtype: .int8, shape: [2, 2])])
        let nbits = try inferOne("MatMulNBits", inputs: [("a", f32([1, 7, 64]))], attributes: ["K": .int(64), "N": .int(32)], domain: "com.microsoft")
        #expect(nbits == [f32([1, 7, 32])])
        #expect(throws: ModelError.unsupportedOperator(node: "n", opType: "Einsum", domain: "")) { try inferOne("Einsum", inputs: [("a", f32([3]))]) }
    }
}
