import Model
import Runtime
import Testing

/// A first conv with a fused MaxPool (`MaxPoolFusion`), against the reference conv, Relu
/// and pool run one after another.
struct ConvPoolCase: Sendable, CustomStringConvertible {
    var conv: LinearConvCase
    var window: FusedMaxPoolWindow
    var density = 1.0

    var description: String {
        let w = window
        return "\(conv) pool k\(w.kernelH)×\(w.kernelW) s\(w.strideH)×\(w.strideW) p[\(w.padTop),\(w.padLeft),\(w.padBottom),\(w.padRight)]"
            + "\(w.ceilMode ? " ceil" : "")\(density < 1 ? " density \(density)" : "")"
    }
}

@Suite struct ConvPoolFusionTests {
    static let cases: [ConvPoolCase] = [
        // SqueezeNet's: 3×3 stride-2 conv, unpadded 3×3 stride-2 pool (the plane kernel).
        ConvPoolCase(conv: LinearConvCase(channels: 3, outChannels: 16, height: 41, width: 45, kernel: (3, 3), stride: (2, 2)),
                     window: FusedMaxPoolWindow(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2)),
        // ResNet-50's: 7×7 stride-2 conv padded by 3, pool padded by 1; 64 channels make
        // bands of a few pooled rows, so the rows two bands share are carried over.
        ConvPoolCase(conv: LinearConvCase(channels: 3, outChannels: 64, height: 124, width: 70, kernel: (7, 7), stride: (2, 2),
                                          pads: [3, 3, 3, 3]),
                     window: FusedMaxPoolWindow(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        // Ceil mode: the last windows overhang the padded plane.
        ConvPoolCase(conv: LinearConvCase(batch: 2, channels: 3, outChannels: 12, height: 36, width: 40, kernel: (3, 3), pads: [1, 1, 1, 1]),
                     window: FusedMaxPoolWindow(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, ceilMode: true)),
        // A window the plane kernel does not serve: the portable loop, stride 1, asymmetric pads.
        ConvPoolCase(conv: LinearConvCase(channels: 4, outChannels: 9, height: 20, width: 34, kernel: (3, 3), stride: (1, 2), pads: [1, 1, 1, 1]),
                     window: FusedMaxPoolWindow(kernelH: 2, kernelW: 3, strideH: 1, strideW: 2, padTop: 1, padLeft: 0, padBottom: 0, padRight: 2)),
        // Convs off the row path (a plane under 16 wide; pruned weights): the whole conv
        // into scratch, the bands copying their rows from it.
        ConvPoolCase(conv: LinearConvCase(channels: 3, outChannels: 10, height: 17, width: 11, kernel: (3, 3), pads: [1, 1, 1, 1]),
                     window: FusedMaxPoolWindow(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        ConvPoolCase(conv: LinearConvCase(channels: 3, outChannels: 24, height: 30, width: 44, kernel: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]),
                     window: FusedMaxPoolWindow(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2), density: 0.2),
    ]

    @Test("a conv with a fused MaxPool matches conv, Relu and pool run apart, and counts all three", arguments: cases)
    func matchesTheUnfusedChain(_ c: ConvPoolCase) throws {
        let v = c.conv
        var rng = LinearSeededGenerator(seed: UInt64(v.width * 7 + v.outChannels))
        let xShape = [v.batch, v.channels, v.height, v.width]
        let wShape = [v.outChannels, v.channels, v.kernel.0, v.kernel.1]
        let x = rng.floats(xShape.reduce(1, *)), b = rng.floats(v.outChannels)
        var w = rng.floats(wShape.reduce(1, *))
        if c.density < 1 { w = SparseConvTests.prune(w, density: c.density, seed: 5) }
        let conv = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, strides: [v.stride.0, v.stride.1],
                                        pads: v.pads, dilations: [1, 1], group: 1)
        let window = c.window
        let pooled = LinearReference.pool(.max, x: conv.values.map { max(0, $0) }, xShape: conv.shape,
                                          kernel: [window.kernelH, window.kernelW], strides: [window.strideH, window.strideW],
                                          pads: [window.padTop, window.padLeft, window.padBottom, window.padRight], ceilMode: window.ceilMode)
        let attributes: [String: Attribute] = ["strides": .ints([v.stride.0, v.stride.1]), "pads": .ints(v.pads),
                                               ReluFusion.attribute: .int(1), MaxPoolFusion.attribute: window.attribute]
        let inputs = [LinearInput(x, xShape), LinearInput(w, wShape, constant: true), LinearInput(b, [v.outChannels], constant: true)]
        for threads in [1, 2] {
            let y = try linearRun("Conv", attributes: attributes, inputs: inputs, outputShape: pooled.shape, threads: threads)
            linearExpectClose(y, pooled.values, "Conv+Relu+MaxPool \(c) threads=\(threads)")
        }
        let prepared = try linearPrepare("Conv", attributes: attributes, inputs: inputs, outputShapes: [pooled.shape])
        let convOutputs = Int64(conv.values.count), taps = Int64(window.kernelH * window.kernelW)
        #expect(prepared.ops[.float32, default: 0] == 2 * convOutputs + taps * Int64(pooled.values.count),
                "bias add and Relu compare per conv output, a compare per window tap per pooled output")
    }

    @Test("a session runs Conv → Relu → MaxPool as one node: no conv tensor, exact counts, the band loop in the cache model")
    func session() throws {
        var rng = LinearSeededGenerator(seed: 11)
        let xShape = [1, 3, 64, 80], wShape = [32, 3, 3, 3]
        let x = rng.floats(xShape.reduce(1, *)), w = rng.floats(wShape.reduce(1, *))
        var graph = linearGraph("first-conv", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
            Node(name: "pool", opType: "MaxPool", inputs: ["r"], outputs: ["y"],
                 attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
        ], initializers: ["w": Tensor(floats: w, shape: wShape)], xShape: xShape)
        try GraphPasses.optimize(&graph, evaluator: nil)
        let session = try InferenceSession(graph: graph)
        let conv = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: nil, strides: [2, 2], pads: [1, 1, 1, 1],
                                        dilations: [1, 1], group: 1)
        let pooled = LinearReference.pool(.max, x: conv.values.map { max(0, $0) }, xShape: conv.shape, kernel: [3, 3], strides: [2, 2],
                                          pads: [1, 1, 1, 1])
        let y = try session.run(["x": Tensor(floats: x, shape: xShape)])["y"]!
        #expect(y.shape == pooled.shape)
        linearExpectClose(y.scalars(as: Float.self), pooled.values, "session Conv+Relu+MaxPool")

        #expect(session.nodeCounts.map(\.opType) == ["Conv"])
        let counts = try #require(session.nodeCounts.first)
        #expect(session.memoryPlan.arenaBytes == 0, "the conv's 32 × 32 × 40 output is never a tensor")
        #expect(counts.activationBytesRead == Int64(x.count * 4) && counts.bytesWritten == Int64(pooled.values.count * 4))
        #expect(counts.ops[.float32] == Int64(conv.values.count) + 9 * Int64(pooled.values.count), "Relu compares, then 9 taps a pooled output")

        let steps = try #require(session.accessTrace.first?.kernelSteps, "the fused row path gives its loop order")
        let (scratchEnd, scratchWrites, otherWrites) = linearAccessExtent(steps)
        #expect(scratchWrites > 0 && !otherWrites.isEmpty)
        #expect(scratchEnd <= session.memoryPlan.scratchBytes, "every band region lies in the node's scratch")
    }

    @Test("a pooled output shape that does not follow from the window is refused with the node's name")
    func refusesAMismatchedShape() {
        let window = FusedMaxPoolWindow(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2)
        let inputs = [LinearInput([Float](repeating: 0, count: 3 * 20 * 20), [1, 3, 20, 20]),
                      LinearInput([Float](repeating: 0, count: 4 * 27), [4, 3, 3, 3], constant: true)]
        let error = #expect(throws: KernelError.self) {
            try linearPrepare("Conv", attributes: [MaxPoolFusion.attribute: window.attribute], inputs: inputs, outputShapes: [[1, 4, 18, 18]])
        }
        #expect(error.map { "\($0)".contains("test-Conv") && "\($0)".contains("[1, 4, 8, 8]") } == true, "\(String(describing: error))")
    }
}
