import Model
import Runtime
import Testing

@Suite("Linear: pools and normalizations")
struct LinearPoolNormTests {
    static let poolCases: [(shape: [Int], kernel: [Int], strides: [Int], pads: [Int], dilations: [Int], ceil: Bool)] = [
        ([1, 2, 7, 7], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        ([1, 2, 7, 7], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], true),
        ([2, 3, 8, 9], [2, 3], [2, 2], [1, 1, 1, 0], [1, 1], true),
        ([1, 2, 11, 10], [3, 3], [1, 2], [1, 1, 1, 1], [2, 2], false),
        ([1, 1, 6, 6], [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], true),
        ([1, 3, 5, 12], [3, 2], [3, 3], [2, 1, 2, 1], [1, 2], true),
        // Wide enough for the 8-output vector path, with scalar edges on both sides.
        ([1, 2, 9, 40], [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], false),
        ([1, 3, 6, 37], [3, 3], [1, 1], [1, 1, 1, 1], [1, 1], true),
        ([1, 2, 5, 50], [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], false),
        // SqueezeNet's pools: the last 8-output group overlaps the one before it.
        ([1, 2, 7, 111], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        // ShuffleNet's AveragePools: padded rows 7 outputs wide (one group stored lane by
        // lane), and DenseNet's 2×2 stride-2 one.
        ([1, 3, 14, 14], [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], false),
        ([1, 2, 12, 12], [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], false),
        // Stride-2 rows reduced and split in one pass: an even left pad of 2 and an odd
        // width, whose last 16 columns overlap the block before from an even column.
        ([1, 2, 7, 33], [3, 3], [2, 2], [0, 2, 0, 1], [1, 1], false),
        // Unpadded 3×3 stride-2 max pools, 16 outputs a step with AVX-512: rows of 55
        // (the last step overlapping the one before) and of 17 from an even width.
        ([1, 3, 9, 36], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        // … and rows of under 16 outputs, one masked step a row: SqueezeNet's 27² → 13²,
        // widths 32 and 31 (15 outputs, loads of 16 + 16 and 16 + 15), and a single window.
        ([1, 4, 27, 27], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        ([1, 2, 5, 32], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        ([1, 2, 6, 31], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        ([1, 3, 3, 3], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        // With AVX2, 8 outputs a step: the rows above of 17, 13 and 15 end in a step that
        // overlaps the one before; rows of exactly 8 (width 17) take one step, and of 7
        // (width 15) the row-by-row path.
        ([1, 2, 5, 17], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        ([1, 2, 5, 15], [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
        // Windows that are the whole plane (ResNet-50's 7×7 AveragePool), one reduction
        // per plane: square over 20 planes, and 5×3 with 19 floats of a vector left over.
        ([2, 10, 7, 7], [7, 7], [1, 1], [0, 0, 0, 0], [1, 1], false),
        ([1, 3, 5, 3], [5, 3], [2, 2], [0, 0, 0, 0], [1, 1], false),
    ]

    @Test("MaxPool, AveragePool and LpPool match the reference", arguments: [1, 3])
    func pools(threads: Int) throws {
        var rng = LinearSeededGenerator(seed: 31)
        for (i, c) in Self.poolCases.enumerated() {
            let x = rng.floats(c.shape.reduce(1, *))
            let attributes: [String: Attribute] = ["kernel_shape": .ints(c.kernel), "strides": .ints(c.strides), "pads": .ints(c.pads),
                                                   "dilations": .ints(c.dilations), "ceil_mode": .int(c.ceil ? 1 : 0)]
            let kinds: [(String, LinearReference.PoolKind, [String: Attribute])] = [
                ("MaxPool", .max, [:]),
                ("AveragePool", .average(countIncludePad: false), [:]),
                ("AveragePool", .average(countIncludePad: true), ["count_include_pad": .int(1)]),
                ("LpPool", .lp(p: 2), [:]),
                ("LpPool", .lp(p: 3), ["p": .int(3)]),
            ]
            for (op, kind, extra) in kinds {
                let reference = LinearReference.pool(kind, x: x, xShape: c.shape, kernel: c.kernel, strides: c.strides,
                                                     pads: c.pads, dilations: c.dilations, ceilMode: c.ceil)
                let y = try linearRun(op, attributes: attributes.merging(extra) { $1 }, inputs: [LinearInput(x, c.shape)],
                                      outputShape: reference.shape, threads: threads)
                linearExpectClose(y, reference.values, "\(op) \(kind) case \(i)")
            }
        }
    }

    @Test("ceil_mode drops a window that would start in the end padding")
    func ceilModeEdge() throws {
        // Width 5, kernel 2, stride 2: floor mode gives 2 windows; ceil mode adds a third that
        // starts at 4 (inside the input), holds one element, and averages over that one.
        let x: [Float] = [1, 2, 3, 4, 5]
        let y = try linearRun("MaxPool", attributes: ["kernel_shape": .ints([1, 2]), "strides": .ints([1, 2]), "ceil_mode": .int(1)],
                              inputs: [LinearInput(x, [1, 1, 1, 5])], outputShape: [1, 1, 1, 3])
        #expect(y == [2, 4, 5])
        let avg = try linearRun("AveragePool", attributes: ["kernel_shape": .ints([2]), "strides": .ints([2]), "ceil_mode": .int(1)],
                                inputs: [LinearInput(x, [1, 1, 5])], outputShape: [1, 1, 3])
        #expect(avg == [1.5, 3.5, 5])
        // Width 4 with one end pad: ceil would give 3 windows, but the third would start at 4,
        // inside the end padding, so it is dropped.
        let dropped = try linearRun("MaxPool", attributes: ["kernel_shape": .ints([1, 2]), "strides": .ints([1, 2]), "ceil_mode": .int(1),
                                                            "pads": .ints([0, 0, 0, 1])],
                                    inputs: [LinearInput([1, 2, 3, 4], [1, 1, 1, 4])], outputShape: [1, 1, 1, 2])
        #expect(dropped == [2, 4])
    }

    @Test("MaxPool with the Indices output is refused")
    func maxPoolIndices() {
        #expect(throws: KernelError.self) {
            try linearPrepare("MaxPool", attributes: ["kernel_shape": .ints([2, 2])], inputs: [LinearInput([Float](repeating: 0, count: 16), [1, 1, 4, 4])],
                              outputShapes: [[1, 1, 3, 3], [1, 1, 3, 3]])
        }
    }

    @Test("Global pools reduce every spatial axis", arguments: [1, 3])
    func globalPools(threads: Int) throws {
        var rng = LinearSeededGenerator(seed: 32)
        let shape = [2, 5, 7, 9]
        let x = rng.floats(shape.reduce(1, *))
        let plane = 63
        let mean = (0..<10).map { p in x[p * plane..<(p + 1) * plane].reduce(0, +) / Float(plane) }
        let max = (0..<10).map { p in x[p * plane..<(p + 1) * plane].max()! }
        linearExpectClose(try linearRun("GlobalAveragePool", inputs: [LinearInput(x, shape)], outputShape: [2, 5, 1, 1], threads: threads), mean, "GlobalAveragePool")
        #expect(try linearRun("GlobalMaxPool", inputs: [LinearInput(x, shape)], outputShape: [2, 5, 1, 1], threads: threads) == max)
    }

    @Test("BatchNormalization matches the reference with constant and runtime parameters", arguments: [true, false])
    func batchNorm(constant: Bool) throws {
        var rng = LinearSeededGenerator(seed: 33)
        let shape = [2, 4, 5, 7]
        let x = rng.floats(shape.reduce(1, *))
        let scale = rng.floats(4), bias = rng.floats(4), mean = rng.floats(4), variance = rng.floats(4, in: 0.1...2)
        let reference = LinearReference.batchNorm(x: x, shape: shape, scale: scale, bias: bias, mean: mean, variance: variance, epsilon: 1e-3)
        let y = try linearRun("BatchNormalization", attributes: ["epsilon": .float(1e-3)],
                              inputs: [LinearInput(x, shape)] + [scale, bias, mean, variance].map { LinearInput($0, [4], constant: constant) },
                              outputShape: shape, threads: 3)
        linearExpectClose(y, reference, "BatchNormalization constant=\(constant)")
    }

    @Test("BatchNormalization with a fused Relu clamps at zero and counts the compare", arguments: [true, false])
    func batchNormRelu(constant: Bool) throws {
        var rng = LinearSeededGenerator(seed: 35)
        let shape = [1, 3, 4, 9]  // 36-float planes: four 8-wide steps and a 4-float tail
        let x = rng.floats(shape.reduce(1, *))
        let scale = rng.floats(3), bias = rng.floats(3), mean = rng.floats(3), variance = rng.floats(3, in: 0.1...2)
        let reference = LinearReference.batchNorm(x: x, shape: shape, scale: scale, bias: bias, mean: mean, variance: variance, epsilon: 1e-3)
        #expect(reference.contains { $0 < 0 } && reference.contains { $0 > 0 }, "the case must have values on both sides of zero")
        let attributes: [String: Attribute] = ["epsilon": .float(1e-3), ReluFusion.attribute: .int(1)]
        let inputs = [LinearInput(x, shape)] + [scale, bias, mean, variance].map { LinearInput($0, [3], constant: constant) }
        let y = try linearRun("BatchNormalization", attributes: attributes, inputs: inputs, outputShape: shape, threads: 2)
        linearExpectClose(y, reference.map { max(0, $0) }, "BatchNormalization+Relu constant=\(constant)")
        let prepared = try linearPrepare("BatchNormalization", attributes: attributes, inputs: inputs, outputShapes: [shape])
        #expect(prepared.ops[.float32, default: 0] == Int64(3 * x.count), "scale, shift and the Relu compare per element")
    }

    @Test("InstanceNormalization and LRN match the reference")
    func instanceNormAndLRN() throws {
        var rng = LinearSeededGenerator(seed: 34)
        let shape = [2, 5, 6, 5]
        let x = rng.floats(shape.reduce(1, *), in: -3...3)
        let scale = rng.floats(5), bias = rng.floats(5)
        let instance = try linearRun("InstanceNormalization", attributes: ["epsilon": .float(1e-5)],
                                     inputs: [LinearInput(x, shape), LinearInput(scale, [5], constant: true), LinearInput(bias, [5], constant: true)],
                                     outputShape: shape, threads: 3)
        linearExpectClose(instance, LinearReference.instanceNorm(x: x, shape: shape, scale: scale, bias: bias, epsilon: 1e-5), "InstanceNormalization")
        for size in [1, 3, 4] {
            let lrn = try linearRun("LRN", attributes: ["size": .int(size), "alpha": .float(0.01), "beta": .float(0.75), "bias": .float(2)],
                                    inputs: [LinearInput(x, shape)], outputShape: shape)
            linearExpectClose(lrn, LinearReference.lrn(x: x, shape: shape, size: size, alpha: 0.01, beta: 0.75, bias: 2), "LRN size \(size)")
        }
    }
}
