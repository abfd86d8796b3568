import Model
import Runtime
import Testing

@Suite("Operators: shape and data movement")
struct OperatorShapeTests {
    @Test("Transpose matches index arithmetic, including a kept last dimension", arguments: [1, 4])
    func transpose(threads: Int) throws {
        let shape = [2, 3, 4, 5]
        let x = iota(120)
        for perm in [[0, 2, 1, 3], [3, 2, 1, 0], [0, 1, 3, 2], [1, 0, 2, 3]] {
            let out = perm.map { shape[$0] }
            let got = try runFloat("Transpose", [OpInput(x, shape)], shape: out, attributes: ["perm": .ints(perm)], threads: threads)
            var expected: [Float] = []
            for a in 0..<out[0] { for b in 0..<out[1] { for c in 0..<out[2] { for d in 0..<out[3] {
                var idx = [0, 0, 0, 0]
                idx[perm[0]] = a; idx[perm[1]] = b; idx[perm[2]] = c; idx[perm[3]] = d
                expected.append(Float(((idx[0] * 3 + idx[1]) * 4 + idx[2]) * 5 + idx[3]))
            } } } }
            #expect(got == expected, "perm \(perm)")
        }
    }

    @Test("Slice: negative steps, clamped ends, omitted axes, opset-1 attributes")
    func slice() throws {
        let x = OpInput(iota(20), [4, 5])
        // Rows reversed, columns 1..<4.
        let a = try runFloat("Slice", [x, .int64([-1, 1]), .int64([Int(Int64.min), 4]), .int64([0, 1]), .int64([-1, 1])], shape: [4, 3], opset: 13)
        #expect(a == [16, 17, 18, 11, 12, 13, 6, 7, 8, 1, 2, 3])
        // Every second column from the end, ends past the dimension.
        let b = try runFloat("Slice", [x, .int64([4]), .int64([-100]), .int64([-1]), .int64([-2])], shape: [4, 3], opset: 13)
        #expect(b == [4, 2, 0, 9, 7, 5, 14, 12, 10, 19, 17, 15])
        let c = try runFloat("Slice", [x], shape: [1, 5], attributes: ["starts": .ints([0]), "ends": .ints([1]), "axes": .ints([0])], opset: 6)
        #expect(c == [0, 1, 2, 3, 4])
        let d = try runFloat("Slice", [x, .int64([1, 2]), .int64([3, 1000])], shape: [2, 3], opset: 13)
        #expect(d == [7, 8, 9, 12, 13, 14])
    }

    @Test("Pad: reflect, edge, constant and cropping")
    func pad() throws {
        let x = OpInput([1, 2, 3, 4, 5, 6], [2, 3])
        let reflect = try runFloat("Pad", [x, .int64([1, 2, 0, 1])], shape: [3, 6], attributes: ["mode": .string("reflect")], opset: 13)
        #expect(reflect == [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5])
        let edge = try runFloat("Pad", [x], shape: [2, 5], attributes: ["mode": .string("edge"), "pads": .ints([0, 1, 0, 1])], opset: 6)
        #expect(edge == [1, 1, 2, 3, 3, 4, 4, 5, 6, 6])
        let constant = try runFloat("Pad", [x, .int64([0, 0, 1, -1]), OpInput([9], [], constant: true)], shape: [3, 2], opset: 13)
        #expect(constant == [1, 2, 4, 5, 9, 9])
        let runtimeValue = try runFloat("Pad", [x, .int64([0, 1, 0, 0]), OpInput([7], [])], shape: [2, 4], opset: 13)
        #expect(runtimeValue == [7, 1, 2, 3, 7, 4, 5, 6])
    }

    @Test("Concat, Split, Gather, Tile, Expand")
    func concatSplitGather() throws {
        let a = OpInput(iota(4), [2, 2]), b = OpInput(iota(2, offset: 10), [2, 1])
        #expect(try runFloat("Concat", [a, b], shape: [2, 3], attributes: ["axis": .int(-1)]) == [0, 1, 10, 2, 3, 11])
        let split = try runOperator("Split", [OpInput(iota(6), [2, 3])],
                                    outputs: [TensorType(dtype: .float32, shape: [2, 1]), TensorType(dtype: .float32, shape: [2, 2])],
                                    attributes: ["axis": .int(1)]).outputs
        #expect(split[0].scalars(as: Float.self) == [0, 3])
        #expect(split[1].scalars(as: Float.self) == [1, 2, 4, 5])
        let gathered = try runFloat("Gather", [OpInput(iota(6), [3, 2]), .int64([2, -3, 1], [1, 3], constant: false)], shape: [1, 3, 2])
        #expect(gathered == [4, 5, 0, 1, 2, 3])
        let gatherAxis1 = try runFloat("Gather", [OpInput(iota(6), [3, 2]), .int64([1])], shape: [3, 1], attributes: ["axis": .int(1)])
        #expect(gatherAxis1 == [1, 3, 5])
        #expect(try runFloat("Tile", [OpInput([1, 2], [1, 2]), .int64([2, 2])], shape: [2, 4]) == [1, 2, 1, 2, 1, 2, 1, 2])
        #expect(try runFloat("Expand", [OpInput([1, 2], [2, 1]), .int64([2, 3])], shape: [2, 3]) == [1, 1, 1, 2, 2, 2])
    }

    @Test("DepthToSpace (DCR, CRD) and SpaceToDepth invert each other")
    func depthSpace() throws {
        let x = iota(1 * 8 * 2 * 3)
        let dcr = try runFloat("DepthToSpace", [OpInput(x, [1, 8, 2, 3])], shape: [1, 2, 4, 6], attributes: ["blocksize": .int(2)])
        // DCR reference: y[c, h*2+i, w*2+j] = x[(i*2+j)*2 + c, h, w].
        var expected = [Float](repeating: 0, count: 48)
        for c in 0..<2 { for h in 0..<2 { for w in 0..<3 { for i in 0..<2 { for j in 0..<2 {
            expected[(c * 4 + h * 2 + i) * 6 + w * 2 + j] = x[(((i * 2 + j) * 2 + c) * 2 + h) * 3 + w]
        } } } } }
        #expect(dcr == expected)
        let back = try runFloat("SpaceToDepth", [OpInput(dcr, [1, 2, 4, 6])], shape: [1, 8, 2, 3], attributes: ["blocksize": .int(2)])
        #expect(back == x)
        let crd = try runFloat("DepthToSpace", [OpInput(x, [1, 8, 2, 3])], shape: [1, 2, 4, 6],
                               attributes: ["blocksize": .int(2), "mode": .string("CRD")])
        for c in 0..<2 { for h in 0..<2 { for w in 0..<3 { for i in 0..<2 { for j in 0..<2 {
            expected[(c * 4 + h * 2 + i) * 6 + w * 2 + j] = x[((c * 4 + i * 2 + j) * 2 + h) * 3 + w]
        } } } } }
        #expect(crd == expected)
    }

    @Test("Resize: nearest asymmetric, linear half_pixel and align_corners; Upsample")
    func resize() throws {
        let x = OpInput([1, 2, 3, 4], [1, 1, 2, 2])
        let scales = OpInput([1, 1, 2, 2], [4], constant: true)
        let nearest = try runFloat("Resize", [x, nil, scales], shape: [1, 1, 4, 4],
                                   attributes: ["coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor")], opset: 13)
        #expect(nearest == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        let linear = try runFloat("Resize", [x, nil, scales], shape: [1, 1, 4, 4], attributes: ["mode": .string("linear")], opset: 13)
        // onnx backend test resize_upsample_scales_linear.
        expectClose(linear, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])
        let aligned = try runFloat("Resize", [x, nil, scales], shape: [1, 1, 4, 4],
                                   attributes: ["mode": .string("linear"), "coordinate_transformation_mode": .string("align_corners")], opset: 13)
        expectClose(aligned, [1, 4.0 / 3, 5.0 / 3, 2, 5.0 / 3, 2, 7.0 / 3, 8.0 / 3, 7.0 / 3, 8.0 / 3, 3, 10.0 / 3, 3, 10.0 / 3, 11.0 / 3, 4])
        let upsample = try runFloat("Upsample", [x], shape: [1, 1, 2, 6], attributes: ["scales": .floats([1, 1, 1, 3])], opset: 7)
        #expect(upsample == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    }

    @Test("Cast, ConstantOfShape, Range, Shape, Constant, Dropout mask")
    func generators() throws {
        let c = try runOperator("Cast", [OpInput([-1.7, 0, 2.9, .nan], [4])], outputs: [TensorType(dtype: .int64, shape: [4])],
                                attributes: ["to": .int(7)]).outputs[0]
        #expect(c.integers() == [-1, 0, 2, 0])
        let b = try runOperator("Cast", [OpInput([-1.7, 0, 2.9, 0.1], [4])], outputs: [TensorType(dtype: .bool, shape: [4])],
                                attributes: ["to": .int(9)]).outputs[0]
        #expect(b.scalars(as: UInt8.self) == [1, 0, 1, 1])
        let filled = try runOperator("ConstantOfShape", [.int64([2, 3])], outputs: [TensorType(dtype: .int64, shape: [2, 3])],
                                     attributes: ["value": .tensor(Tensor(dtype: .int64, shape: [1], values: [Int64(7)]))]).outputs[0]
        #expect(filled.integers() == [7, 7, 7, 7, 7, 7])
        let range = try runFloat("Range", [OpInput([1], []), OpInput([2], []), OpInput([0.25], [])], shape: [4])
        #expect(range == [1, 1.25, 1.5, 1.75])
        let shape = try runOperator("Shape", [OpInput(iota(24), [2, 3, 4])], outputs: [TensorType(dtype: .int64, shape: [2])],
                                    attributes: ["start": .int(-2)], opset: 15).outputs[0]
        #expect(shape.integers() == [3, 4])
        let constant = try runOperator("Constant", [], outputs: [TensorType(dtype: .float32, shape: [2])],
                                       attributes: ["value": .tensor(Tensor(floats: [5, 6], shape: [2]))]).outputs[0]
        #expect(constant.scalars(as: Float.self) == [5, 6])
        let dropout = try runOperator("Dropout", [OpInput([1, 2], [2])],
                                      outputs: [TensorType(dtype: .float32, shape: [2]), TensorType(dtype: .bool, shape: [2])], opset: 9).outputs
        #expect(dropout[0].scalars(as: Float.self) == [1, 2])
        #expect(dropout[1].scalars(as: UInt8.self) == [1, 1])
    }
}
