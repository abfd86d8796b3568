import Model
import Runtime
import Testing

@Suite struct IntegerOnlyTests {
    /// xf → Q → Neg(int8) → DQ → Mul(float) → Q → DQ → y: Q at the input and DQ at
    /// the output are boundary nodes; the middle DQ, Mul and Q compute in float.
    func graph() -> Graph {
        let f = TensorType(dtype: .float32, shape: [4]), q = TensorType(dtype: .int8, shape: [4])
        return Graph(
            name: "qdq",
            nodes: [
                Node(name: "q_in", opType: "QuantizeLinear", inputs: ["xf"], outputs: ["xq"]),
                Node(name: "neg", opType: "Neg", inputs: ["xq"], outputs: ["n"]),
                Node(name: "dq_mid", opType: "DequantizeLinear", inputs: ["n"], outputs: ["f1"]),
                Node(name: "mul", opType: "Mul", inputs: ["f1", "w"], outputs: ["f2"]),
                Node(name: "q_mid", opType: "QuantizeLinear", inputs: ["f2"], outputs: ["q2"]),
                Node(name: "dq_out", opType: "DequantizeLinear", inputs: ["q2"], outputs: ["y"]),
            ],
            initializers: ["w": Tensor(floats: [1, 2, 0.5, -1], shape: [4])],
            inputs: [TestGraphs.info("xf", .float32, [4])], outputs: [TestGraphs.info("y", .float32, [4])],
            valueTypes: ["xf": f, "xq": q, "n": q, "f1": f, "w": f, "f2": f, "q2": q, "y": f], opsets: ["": 17])
    }

    func violations(_ options: SessionOptions) -> [IntegerOnlyViolation]? {
        do {
            _ = try InferenceSession(graph: graph(), options: options, registry: TestKernels.registry)
            return nil
        } catch let SessionError.integerOnlyViolations(list) {
            return list
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func listsEveryFloatNodeInOneError() throws {
        let list = try #require(violations(SessionOptions(integerOnly: true, allowFloatIO: true)))
        #expect(list.map(\.node) == ["dq_mid", "mul", "q_mid"])
        #expect(list.map(\.index) == [2, 3, 4])
        #expect(list.allSatisfy { $0.computeType == .float32 && !$0.hint.isEmpty && $0.reason.contains("float32") })
        let message = SessionError.integerOnlyViolations(list).description
        #expect(message.contains("3 node(s)") && message.contains("'mul' (Mul)") && message.contains("'q_mid'"))
    }

    @Test func boundaryQuantizationCountsWhenFloatIOIsRefused() throws {
        let list = try #require(violations(SessionOptions(integerOnly: true, allowFloatIO: false)))
        #expect(list.map(\.node) == ["q_in", "dq_mid", "mul", "q_mid", "dq_out"])
    }

    @Test func theSameGraphRunsOutsideIntegerOnlyMode() throws {
        let session = try InferenceSession(graph: graph(), registry: TestKernels.registry)
        let y = try session.run(["xf": Tensor(floats: [0.5, -0.25, 1, 0], shape: [4])])["y"]!.scalars(as: Float.self)
        // 0.5, -0.25, 1, 0 → negated → times 1, 2, 0.5, -1.
        #expect(y == [-0.5, 0.5, -0.5, 0])
    }

    @Test func hintsNameTheUsualFix() {
        #expect(IntegerOnlyViolation.hint(for: "BatchNormalization").contains("fold BatchNormalization into the preceding Conv"))
        #expect(IntegerOnlyViolation.hint(for: "Conv").contains("quantiz"))
    }
}
