import Model
import Runtime
import Testing

@Suite struct SupportTests {
    let values = [
        TestGraphs.info("image", .float32, [1, 3, 8, 8]),
        TestGraphs.info("ids", .int64, [2, 5]),
        TestGraphs.info("q", .int8, [16]),
        TestGraphs.info("half", .float16, [6]),
    ]

    @Test func randomInputsAreDeterministicAndInRange() {
        let a = RandomInputs.make(for: values, seed: 42)
        let b = RandomInputs.make(for: values, seed: 42)
        let c = RandomInputs.make(for: values, seed: 43)
        let floats = a["image"]!.scalars(as: Float.self)
        #expect(floats == b["image"]!.scalars(as: Float.self))
        #expect(floats != c["image"]!.scalars(as: Float.self))
        #expect(floats.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(floats.contains { $0 < 0 } && floats.contains { $0 > 0 })
        #expect(a["ids"]!.scalars(as: Int64.self).allSatisfy { (0..<16).contains($0) })
        #expect(a["q"]!.shape == [16] && a["q"]!.dtype == .int8)
        // Halves of values in [-1, 1): exponent field at most 14 (2^-1 ... ), never inf/NaN.
        #expect(a["half"]!.scalars(as: UInt16.self).allSatisfy { ($0 >> 10) & 0x1F < 0x1F })
    }

    @Test func addingAnInputDoesNotChangeTheOthers() {
        let a = RandomInputs.make(for: Array(values.prefix(1)), seed: 1)
        let b = RandomInputs.make(for: values, seed: 1)
        #expect(a["image"]!.scalars(as: Float.self) == b["image"]!.scalars(as: Float.self))
    }

    @Test func latencyStatistics() throws {
        let s = try #require(LatencyStatistics(samples: [4, 1, 3, 2]))
        #expect(s.count == 4 && s.mean == 2.5 && s.median == 2.5 && s.min == 1 && s.max == 4)
        #expect(abs(s.p90 - 3.7) < 1e-12)
        #expect(abs(s.standardDeviation - 1.2909944487358056) < 1e-12)
        #expect(LatencyStatistics(samples: []) == nil)
        #expect(LatencyStatistics(samples: [5])?.standardDeviation == 0)
    }

    @Test func constantEvaluatorRunsOneNodeWithTheRegistry() throws {
        let evaluator = KernelConstantEvaluator(registry: TestKernels.registry)
        let node = Node(name: "fold", opType: "Add", inputs: ["a", "b"], outputs: ["c"])
        let out = try #require(try evaluator.evaluate(
            node: node, inputs: [Tensor(floats: [1, 2, 3], shape: [3]), Tensor(floats: [10, 20, 30], shape: [3])], opset: 17))
        #expect(out.count == 1)
        #expect(out[0].shape == [3] && out[0].scalars(as: Float.self) == [11, 22, 33])
        // No kernel for the op: the node stays (nil), no error.
        let unknown = Node(name: "u", opType: "Sub", inputs: ["a", "b"], outputs: ["c"])
        #expect(try evaluator.evaluate(node: unknown, inputs: [Tensor(floats: [1], shape: [1]), Tensor(floats: [1], shape: [1])], opset: 17) == nil)
    }
}
