import Foundation
import Model
import Runtime
import Testing

@Suite struct InferenceSessionTests {
    let x: [Float] = (0..<8).map { Float($0) - 3 }
    let w: [Float] = (0..<8).map { Float($0) * 0.5 }

    func expected() -> [Float] { zip(x, w).map { x, w in (x * w + x) + x * w } }

    @Test func runsAGraphAndReturnsItsOutput() throws {
        let session = try InferenceSession(graph: TestGraphs.floatChain(shape: [2, 4], weights: w), registry: TestKernels.registry)
        let out = try session.run(["x": Tensor(floats: x, shape: [2, 4])])
        #expect(out["y"]?.scalars(as: Float.self) == expected())
        #expect(session.inputs.map(\.name) == ["x"])
        #expect(session.outputs.map(\.name) == ["y"])
        // Same answer the second time: the arena is reused, not corrupted.
        #expect(try session.run(["x": Tensor(floats: x, shape: [2, 4])])["y"]?.scalars(as: Float.self) == expected())
    }

    @Test func countsBytesAndWorkPerNode() throws {
        let session = try InferenceSession(graph: TestGraphs.floatChain(shape: [2, 4], weights: w), registry: TestKernels.registry)
        let counts = session.nodeCounts
        #expect(counts.map(\.name) == ["mul", "add1", "add2"])
        #expect(counts.map(\.weightBytesRead) == [32, 0, 0])
        #expect(counts.map(\.activationBytesRead) == [32, 64, 64])
        #expect(counts.map(\.bytesWritten) == [32, 32, 32])
        #expect(counts[0].macs == [.float32: 8])
        #expect(counts[1].ops == [.float32: 8])
        #expect(counts[0].inputTypes == [.float32, .float32])
        let memory = session.memoryPlan
        // a lives [0, 2] and b [1, 2]: both in the arena, 64-byte aligned.
        #expect(memory.arenaBytes == 128)
        #expect(memory.lowerBoundBytes == 64)
        #expect(memory.weightBytes == 32)
        #expect(memory.modelWeightBytes == 32)
        #expect(memory.ioBytes == 64)
        #expect(memory.scratchBytes == 256)
        #expect(!session.arenaPlan.doAnyBuffersOverlap(session.arenaBuffers))
    }

    @Test func packedWeightsReplaceTheConstantsInTheCounts() throws {
        var graph = TestGraphs.floatChain(shape: [2, 4], weights: w)
        graph.nodes[0].opType = "PackedMul"
        let session = try InferenceSession(graph: graph, registry: TestKernels.registry)
        #expect(session.nodeCounts[0].weightBytesRead == 1000)
        #expect(session.memoryPlan.weightBytes == 1000)
        #expect(session.memoryPlan.modelWeightBytes == 32)
    }

    @Test func callsTheObserverOncePerNodeInOrder() throws {
        let session = try InferenceSession(graph: TestGraphs.floatChain(shape: [2, 4], weights: w), registry: TestKernels.registry)
        let observer = RecordingObserver()
        _ = try session.run(["x": Tensor(floats: x, shape: [2, 4])], observer: observer)
        #expect(observer.events == ["will 0", "did 0", "will 1", "did 1", "will 2", "did 2"])
        #expect(observer.seconds.allSatisfy { $0 >= 0 })
    }

    @Test func writesIntoCallerProvidedOutputs() throws {
        let session = try InferenceSession(graph: TestGraphs.floatChain(shape: [2, 4], weights: w), registry: TestKernels.registry)
        let outputs = session.makeOutputTensors()
        try session.run(["x": Tensor(floats: x, shape: [2, 4])], into: outputs)
        #expect(outputs["y"]?.scalars(as: Float.self) == expected())
        #expect(throws: SessionError.outputMismatch(name: "y", expected: TensorType(dtype: .float32, shape: [2, 4]), got: nil)) {
            try session.run(["x": Tensor(floats: x, shape: [2, 4])], into: [:])
        }
    }

    @Test func outputsThatAreInputsOrConstantsAreCopied() throws {
        var graph = TestGraphs.floatChain(shape: [2, 4], weights: w)
        graph.outputs += [TestGraphs.info("x", .float32, [2, 4]), TestGraphs.info("w", .float32, [2, 4])]
        let session = try InferenceSession(graph: graph, registry: TestKernels.registry)
        let out = try session.run(["x": Tensor(floats: x, shape: [2, 4])])
        #expect(out["x"]?.scalars(as: Float.self) == x)
        #expect(out["w"]?.scalars(as: Float.self) == w)
        #expect(out["y"]?.scalars(as: Float.self) == expected())
    }

    @Test func rejectsBadInputsWithTypedErrors() throws {
        let session = try InferenceSession(graph: TestGraphs.floatChain(shape: [2, 4], weights: w), registry: TestKernels.registry)
        let type = TensorType(dtype: .float32, shape: [2, 4])
        #expect(throws: SessionError.missingInput(name: "x", expected: type)) { try session.run([:]) }
        #expect(throws: SessionError.inputDTypeMismatch(name: "x", expected: .float32, got: .int8)) {
            try session.run(["x": Tensor(dtype: .int8, shape: [2, 4])])
        }
        #expect(throws: SessionError.inputShapeMismatch(name: "x", expected: [2, 4], got: [4, 2])) {
            try session.run(["x": Tensor(floats: x, shape: [4, 2])])
        }
        #expect(throws: SessionError.unknownInput(name: "z", known: ["x"])) {
            try session.run(["x": Tensor(floats: x, shape: [2, 4]), "z": Tensor(floats: x, shape: [2, 4])])
        }
        let message = SessionError.inputShapeMismatch(name: "x", expected: [2, 4], got: [4, 2]).description
        #expect(message.contains("'x'") && message.contains("[2, 4]") && message.contains("[4, 2]"))
    }

    @Test func refusesUnsupportedOperatorsAndUntypedValues() throws {
        var graph = TestGraphs.floatChain(shape: [2, 4], weights: w)
        graph.nodes[1].opType = "Frobnicate"
        #expect(throws: KernelError.unsupportedOperator(node: "add1", opType: "Frobnicate", domain: "", dtype: .float32)) {
            try InferenceSession(graph: graph, registry: TestKernels.registry)
        }
        var untyped = TestGraphs.floatChain(shape: [2, 4], weights: w)
        untyped.valueTypes["b"] = nil
        #expect(throws: SessionError.missingValueType(name: "b", node: "add1")) {
            try InferenceSession(graph: untyped, registry: TestKernels.registry)
        }
        var dangling = TestGraphs.floatChain(shape: [2, 4], weights: w)
        dangling.nodes[2].inputs[1] = "nowhere"
        #expect(throws: SessionError.undefinedValue(name: "nowhere", node: "add2")) {
            try InferenceSession(graph: dangling, registry: TestKernels.registry)
        }
    }

    @Test func oneAndFourThreadsAgree() throws {
        let shape = [64, 1000]
        let n = 64_000
        var generator = SplitMix64(seed: 7)
        let weights = (0..<n).map { _ in generator.nextUnitFloat() }
        let input = Tensor(floats: (0..<n).map { _ in generator.nextUnitFloat() }, shape: shape)
        let graph = TestGraphs.floatChain(shape: shape, weights: weights)
        let one = try InferenceSession(graph: graph, options: SessionOptions(threads: 1), registry: TestKernels.registry)
        let four = try InferenceSession(graph: graph, options: SessionOptions(threads: 4), registry: TestKernels.registry)
        #expect(four.threadCount == 4)
        let a = try one.run(["x": input])["y"]!.scalars(as: Float.self)
        for _ in 0..<5 {
            let b = try four.run(["x": input])["y"]!.scalars(as: Float.self)
            #expect(a == b)
        }
    }
}

/// Copy-only nodes whose input dies at them share that input's buffer.
@Suite struct CopyAliasingTests {
    /// relu1 → reshape (its input dies: aliased) → relu2 → identity (its input is read
    /// again by add: copied) → add.
    static func graph() -> Graph {
        let flat = TensorType(dtype: .float32, shape: [2, 4]), tall = TensorType(dtype: .float32, shape: [4, 2])
        return Graph(
            name: "alias",
            nodes: [
                Node(name: "relu1", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                Node(name: "reshape", opType: "Reshape", inputs: ["a", "s"], outputs: ["b"]),
                Node(name: "relu2", opType: "Relu", inputs: ["b"], outputs: ["c"]),
                Node(name: "identity", opType: "Identity", inputs: ["c"], outputs: ["d"]),
                Node(name: "add", opType: "Add", inputs: ["d", "c"], outputs: ["y"]),
            ],
            initializers: ["s": Tensor(dtype: .int64, shape: [2], values: [Int64(4), 2])],
            inputs: [TestGraphs.info("x", .float32, [2, 4])], outputs: [TestGraphs.info("y", .float32, [4, 2])],
            valueTypes: ["x": flat, "a": flat, "s": TensorType(dtype: .int64, shape: [2]), "b": tall, "c": tall, "d": tall, "y": tall],
            opsets: ["": 17])
    }

    @Test func aReshapeOfADyingValueSharesItsBufferAndMovesNothing() throws {
        let session = try InferenceSession(graph: Self.graph(), registry: .standard)
        let x: [Float] = (0..<8).map { Float($0) - 3.5 }
        for _ in 0..<2 {
            let y = try session.run(["x": Tensor(floats: x, shape: [2, 4])])["y"]?.scalars(as: Float.self)
            #expect(y == x.map { 2 * max($0, 0) })
        }
        // a and b are one buffer; c and d stay two (c is read after the identity).
        #expect(session.arenaBuffers.count == 3)
        #expect(!session.arenaPlan.doAnyBuffersOverlap(session.arenaBuffers))
        let counts = session.nodeCounts
        #expect(counts[1].activationBytesRead == 0 && counts[1].bytesWritten == 0, "the aliased reshape moves no bytes")
        #expect(counts[3].activationBytesRead == 32 && counts[3].bytesWritten == 32, "the identity still copies")
        // The aliased buffer lives from relu1 to relu2, which reads it as b.
        #expect(session.arenaBuffers.contains(BufferLifetime(size: 32, firstUse: 0, lastUse: 2)))
    }
}

/// Concats at batch 1 on the channel axis get their inputs produced in place.
@Suite struct ConcatAliasingTests {
    /// Two branches concatenated (a fire module), a Concat of that result and a branch
    /// computed from it (DenseNet's growing concat), then a Concat that repeats an input.
    static func graph() -> Graph {
        func t(_ c: Int) -> TensorType { TensorType(dtype: .float32, shape: [1, c, 4, 4]) }
        return Graph(
            name: "concat-alias",
            nodes: [
                Node(name: "relu1", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                Node(name: "neg", opType: "Neg", inputs: ["x"], outputs: ["b"]),
                Node(name: "cat1", opType: "Concat", inputs: ["a", "b"], outputs: ["ab"], attributes: ["axis": .int(1)]),
                Node(name: "sig", opType: "Sigmoid", inputs: ["ab"], outputs: ["s"]),
                Node(name: "cat2", opType: "Concat", inputs: ["ab", "s"], outputs: ["abs"], attributes: ["axis": .int(1)]),
                Node(name: "relu2", opType: "Relu", inputs: ["abs"], outputs: ["r"]),
                Node(name: "cat3", opType: "Concat", inputs: ["r", "r"], outputs: ["rr"], attributes: ["axis": .int(1)]),
                Node(name: "relu3", opType: "Relu", inputs: ["rr"], outputs: ["y"]),
            ],
            initializers: [:],
            inputs: [TestGraphs.info("x", .float32, [1, 2, 4, 4])], outputs: [TestGraphs.info("y", .float32, [1, 16, 4, 4])],
            valueTypes: ["x": t(2), "a": t(2), "b": t(2), "ab": t(4), "s": t(4), "abs": t(8), "r": t(8), "rr": t(16), "y": t(16)],
            opsets: ["": 17])
    }

    @Test func inputsAreProducedInTheirBlocksAndTheConcatMovesNothing() throws {
        let session = try InferenceSession(graph: Self.graph(), registry: .standard)
        let x: [Float] = (0..<32).map { Float($0) / 4 - 3.9 }
        let ab = x.map { max($0, 0) } + x.map { -$0 }
        let grown = ab + ab.map { 1 / (1 + Foundation.exp(-$0)) }
        let r = grown.map { max($0, 0) }
        let expected = r + r
        for _ in 0..<2 {
            let y = try #require(try session.run(["x": Tensor(floats: x, shape: [1, 2, 4, 4])])["y"]?.scalars(as: Float.self))
            let close = y.count == expected.count && zip(y, expected).allSatisfy { Swift.abs($0 - $1) <= 1e-6 }
            #expect(close)
        }
        let counts = session.nodeCounts
        #expect(counts[2].bytesWritten == 0 && counts[2].activationBytesRead == 0, "cat1's inputs are in place")
        #expect(counts[4].bytesWritten == 0 && counts[4].activationBytesRead == 0, "cat2's inputs are in place")
        #expect(counts[6].bytesWritten == 1024 && counts[6].activationBytesRead == 512, "cat3 repeats r and copies")
        // a, b, ab, s and abs share one 512-byte buffer, living from relu1 to relu2; r and rr have their own.
        #expect(session.arenaBuffers.contains(BufferLifetime(size: 512, firstUse: 0, lastUse: 5)))
        #expect(session.arenaBuffers.count == 3)
        #expect(!session.arenaPlan.doAnyBuffersOverlap(session.arenaBuffers))
    }

    @Test func aBatchAboveOneCopies() throws {
        let half = TensorType(dtype: .float32, shape: [2, 1, 4, 4]), full = TensorType(dtype: .float32, shape: [2, 2, 4, 4])
        let graph = Graph(
            name: "concat-batch2",
            nodes: [
                Node(name: "relu1", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                Node(name: "neg", opType: "Neg", inputs: ["x"], outputs: ["b"]),
                Node(name: "cat", opType: "Concat", inputs: ["a", "b"], outputs: ["ab"], attributes: ["axis": .int(1)]),
                Node(name: "relu2", opType: "Relu", inputs: ["ab"], outputs: ["y"]),
            ],
            initializers: [:],
            inputs: [TestGraphs.info("x", .float32, [2, 1, 4, 4])], outputs: [TestGraphs.info("y", .float32, [2, 2, 4, 4])],
            valueTypes: ["x": half, "a": half, "b": half, "ab": full, "y": full],
            opsets: ["": 17])
        let session = try InferenceSession(graph: graph, registry: .standard)
        let x: [Float] = (0..<32).map { Float($0) - 16 }
        let y = try session.run(["x": Tensor(floats: x, shape: [2, 1, 4, 4])])["y"]?.scalars(as: Float.self)
        let n0 = Array(x[0..<16]), n1 = Array(x[16...])
        let expected = n0.map { max($0, 0) } + n0.map { max(-$0, 0) } + n1.map { max($0, 0) } + n1.map { max(-$0, 0) }
        #expect(y == expected)
        #expect(session.nodeCounts[2].bytesWritten == 256, "batch 2 interleaves the inputs: copied")
    }
}

/// Convs with a fused residual that dies at them store their output over it.
@Suite struct ResidualAliasingTests {
    /// p and q are 1×1 convs of x; c2 adds p (dying: aliased, GEMM path); c3 is a 3×3
    /// conv whose residual is its own input (not aliased); c4 is depthwise and adds s
    /// (dying, but the depthwise path adds after storing: not aliased); c5 is a 3×3 conv
    /// that adds t (dying: aliased, direct path). `keepAlive` makes p and t graph outputs
    /// too, so that nothing is aliased and the same kernels give the reference.
    static func graph(keepAlive: Bool) -> Graph {
        func t(_ c: Int) -> TensorType { TensorType(dtype: .float32, shape: [1, c, 6, 6]) }
        func weights(_ shape: [Int], _ seed: Int) -> Tensor {
            let n = shape.reduce(1, *)
            return Tensor(floats: (0..<n).map { Float(($0 * 37 + seed * 11) % 23) / 23 - 0.5 }, shape: shape)
        }
        let residual = ResidualAddFusion.attribute, relu = ReluFusion.attribute
        let pad: [String: Attribute] = ["pads": .ints([1, 1, 1, 1])]
        var outputs = [TestGraphs.info("y", .float32, [1, 8, 6, 6])]
        if keepAlive { outputs += [TestGraphs.info("p", .float32, [1, 8, 6, 6]), TestGraphs.info("t", .float32, [1, 8, 6, 6])] }
        var initializers: [String: Tensor] = [:]
        for (i, shape) in [[8, 4, 1, 1], [8, 4, 1, 1], [8, 8, 1, 1], [8, 8, 3, 3], [8, 1, 3, 3], [8, 8, 3, 3]].enumerated() {
            initializers["w\(i)"] = weights(shape, i)
            initializers["b\(i)"] = weights([8], i + 7)
        }
        var types: [String: TensorType] = ["x": t(4)]
        for v in ["p", "q", "s", "t", "u", "v", "y"] { types[v] = t(8) }
        for (name, tensor) in initializers { types[name] = TensorType(dtype: .float32, shape: tensor.shape) }
        return Graph(
            name: "residual-alias",
            nodes: [
                Node(name: "c0", opType: "Conv", inputs: ["x", "w0", "b0"], outputs: ["p"]),
                Node(name: "c1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["q"]),
                Node(name: "c2", opType: "Conv", inputs: ["q", "w2", "b2", "p"], outputs: ["s"], attributes: [residual: .int(1), relu: .int(1)]),
                Node(name: "c3", opType: "Conv", inputs: ["s", "w3", "b3", "s"], outputs: ["t"], attributes: pad.merging([residual: .int(1)]) { a, _ in a }),
                Node(name: "c4", opType: "Conv", inputs: ["t", "w4", "b4", "s"], outputs: ["u"],
                     attributes: pad.merging(["group": .int(8), residual: .int(1)]) { a, _ in a }),
                Node(name: "c5", opType: "Conv", inputs: ["u", "w5", "b5", "t"], outputs: ["v"], attributes: pad.merging([residual: .int(1)]) { a, _ in a }),
                Node(name: "relu", opType: "Relu", inputs: ["v"], outputs: ["y"]),
            ],
            initializers: initializers,
            inputs: [TestGraphs.info("x", .float32, [1, 4, 6, 6])], outputs: outputs,
            valueTypes: types, opsets: ["": 17])
    }

    @Test func theOutputTakesOverADyingResidualOnTheGEMMAndDirectPathsOnly() throws {
        let aliased = try InferenceSession(graph: Self.graph(keepAlive: false), registry: .standard)
        let plain = try InferenceSession(graph: Self.graph(keepAlive: true), registry: .standard)
        let x = Tensor(floats: (0..<144).map { Float($0 % 13) / 6 - 1 }, shape: [1, 4, 6, 6])
        let expected = try #require(try plain.run(["x": x])["y"]?.scalars(as: Float.self))
        #expect(expected.contains { $0 > 0 } && expected.contains { $0 == 0 }, "the residuals and the Relu shape the output")
        for _ in 0..<2 {
            let y = try #require(try aliased.run(["x": x])["y"]?.scalars(as: Float.self))
            #expect(y == expected, "the same kernels in the same order give the same bits")
        }
        // p and s share one buffer (c0 → c4, s's last read), t and v another (c3 → relu);
        // q and u have their own.
        let buffers = aliased.arenaBuffers
        #expect(buffers.count == 4)
        #expect(buffers.contains(BufferLifetime(size: 1152, firstUse: 0, lastUse: 4)))
        #expect(buffers.contains(BufferLifetime(size: 1152, firstUse: 3, lastUse: 6)))
        #expect(!aliased.arenaPlan.doAnyBuffersOverlap(buffers))
        // The counts do not change: the residual is still read and the output written.
        #expect(aliased.nodeCounts.map(\.activationBytesRead) == plain.nodeCounts.map(\.activationBytesRead))
        #expect(aliased.nodeCounts.map(\.bytesWritten) == plain.nodeCounts.map(\.bytesWritten))
    }
}
