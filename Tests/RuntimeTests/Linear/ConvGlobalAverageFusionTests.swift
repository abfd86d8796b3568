import Model
import Runtime
import Testing

/// A conv with a fused GlobalAveragePool (`GlobalAveragePoolFusion`), against the
/// reference conv, residual, Relu and average run one after another.
struct ConvAverageCase: Sendable, CustomStringConvertible {
    var conv: LinearConvCase
    var relu = true
    var residual = false
    var density = 1.0

    var description: String {
        "\(conv)\(relu ? " relu" : "")\(residual ? " residual" : "")\(density < 1 ? " density \(density)" : "")"
    }
}

@Suite struct ConvGlobalAverageFusionTests {
    static let cases: [ConvAverageCase] = [
        // SqueezeNet's classifier in small: a 1×1 conv over a 13² plane, deeper than the
        // grid path takes (the direct path on AVX-512), 40 channels: a full 32-lane panel
        // and one of 8; two images.
        ConvAverageCase(conv: LinearConvCase(batch: 2, channels: 72, outChannels: 40, height: 13, width: 13, kernel: (1, 1))),
        // A padded 3×3 conv on the direct path, without bias or Relu: negative sums stay.
        ConvAverageCase(conv: LinearConvCase(channels: 16, outChannels: 20, height: 9, width: 11, kernel: (3, 3), pads: [1, 1, 1, 1], bias: false),
                        relu: false),
        // ResNet-50's last conv in small: 1×1 over a 7² plane with the residual and Relu.
        ConvAverageCase(conv: LinearConvCase(channels: 80, outChannels: 48, height: 7, width: 7, kernel: (1, 1)), residual: true),
        // The grid path (a shallow 1×1 over a small plane on AVX-512): stored first.
        ConvAverageCase(conv: LinearConvCase(channels: 24, outChannels: 20, height: 13, width: 13, kernel: (1, 1))),
        // Paths that store the conv's output first (the GEMM on a 30² plane; pruned
        // weights): the whole conv into scratch, then the average.
        ConvAverageCase(conv: LinearConvCase(batch: 2, channels: 16, outChannels: 12, height: 30, width: 30, kernel: (1, 1)), residual: true),
        ConvAverageCase(conv: LinearConvCase(channels: 32, outChannels: 24, height: 10, width: 10, kernel: (3, 3), pads: [1, 1, 1, 1]),
                        density: 0.2),
    ]

    @Test("a conv with a fused GlobalAveragePool matches the chain run apart, and counts the pool's adds", arguments: cases)
    func matchesTheUnfusedChain(_ c: ConvAverageCase) throws {
        let v = c.conv
        var rng = LinearSeededGenerator(seed: UInt64(v.width * 13 + v.outChannels))
        let xShape = [v.batch, v.channels, v.height, v.width]
        let wShape = [v.outChannels, v.channels, v.kernel.0, v.kernel.1]
        let x = rng.floats(xShape.reduce(1, *)), b = rng.floats(v.outChannels)
        var w = rng.floats(wShape.reduce(1, *))
        if c.density < 1 { w = SparseConvTests.prune(w, density: c.density, seed: 3) }
        let conv = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: v.bias ? b : nil, strides: [v.stride.0, v.stride.1],
                                        pads: v.pads, dilations: [1, 1], group: 1)
        let r = c.residual ? rng.floats(conv.values.count) : []
        var stored = conv.values
        if c.residual { stored = zip(stored, r).map { $0 + $1 } }
        if c.relu { stored = stored.map { max(0, $0) } }
        let plane = conv.shape[2] * conv.shape[3]
        let averages = (0..<v.batch * v.outChannels).map { p in stored[p * plane..<(p + 1) * plane].reduce(0, +) / Float(plane) }
        var attributes: [String: Attribute] = ["pads": .ints(v.pads), GlobalAveragePoolFusion.attribute: .int(1)]
        if c.relu { attributes[ReluFusion.attribute] = .int(1) }
        if c.residual { attributes[ResidualAddFusion.attribute] = .int(1) }
        var inputs: [LinearInput?] = [LinearInput(x, xShape), LinearInput(w, wShape, constant: true),
                                      v.bias ? LinearInput(b, [v.outChannels], constant: true) : nil]
        if c.residual { inputs.append(LinearInput(r, conv.shape)) }
        let outputShape = [v.batch, v.outChannels, 1, 1]
        for threads in [1, 2] {
            let y = try linearRun("Conv", attributes: attributes, inputs: inputs, outputShape: outputShape, threads: threads)
            linearExpectClose(y, averages, "Conv+GlobalAveragePool \(c) threads=\(threads)")
        }
        let prepared = try linearPrepare("Conv", attributes: attributes, inputs: inputs, outputShapes: [outputShape])
        let outputs = Int64(conv.values.count)
        let perOutput = Int64((v.bias ? 1 : 0) + (c.residual ? 1 : 0) + (c.relu ? 1 : 0) + 1)
        #expect(prepared.ops[.float32, default: 0] == perOutput * outputs,
                "bias add, residual add and Relu compare per conv output, and the pool's add per conv output")
    }

    @Test("a session runs Conv → Relu → GlobalAveragePool as one node: no conv tensor, exact counts, the sums in the cache model")
    func session() throws {
        var rng = LinearSeededGenerator(seed: 17)
        // A 3×3 conv on a 12-wide plane: the direct path on every build.
        let xShape = [1, 16, 10, 12], wShape = [40, 16, 3, 3]
        let x = rng.floats(xShape.reduce(1, *)), w = rng.floats(wShape.reduce(1, *))
        var graph = linearGraph("classifier", nodes: [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
            Node(name: "pool", opType: "GlobalAveragePool", inputs: ["r"], outputs: ["y"]),
        ], initializers: ["w": Tensor(floats: w, shape: wShape)], xShape: xShape)
        try GraphPasses.optimize(&graph, evaluator: nil)
        let session = try InferenceSession(graph: graph)
        let conv = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: nil, strides: [1, 1], pads: [1, 1, 1, 1],
                                        dilations: [1, 1], group: 1)
        let plane = 10 * 12
        let averages = (0..<40).map { c in conv.values[c * plane..<(c + 1) * plane].reduce(0) { $0 + max(0, $1) } / Float(plane) }
        let y = try session.run(["x": Tensor(floats: x, shape: xShape)])["y"]!
        #expect(y.shape == [1, 40, 1, 1])
        linearExpectClose(y.scalars(as: Float.self), averages, "session Conv+Relu+GlobalAveragePool")

        #expect(session.nodeCounts.map(\.opType) == ["Conv"])
        let counts = try #require(session.nodeCounts.first)
        #expect(session.memoryPlan.arenaBytes == 0, "the conv's 40 × 10 × 12 output is never a tensor")
        #expect(counts.activationBytesRead == Int64(x.count * 4) && counts.bytesWritten == 40 * 4)
        #expect(counts.ops[.float32] == 2 * Int64(conv.values.count), "a Relu compare and the pool's add per conv output")

        let steps = try #require(session.accessTrace.first?.kernelSteps, "the direct path gives its loop order with the sums")
        let (scratchEnd, _, otherWrites) = linearAccessExtent(steps)
        #expect(otherWrites.map(\.bytes) == [40 * 4], "the one write outside scratch is the 40 averages")
        #expect(scratchEnd <= session.memoryPlan.scratchBytes, "the padded input and the sums lie in the node's scratch")
    }
}
