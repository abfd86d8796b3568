import Foundation
import Model
import Testing

/// Truncated and byte-flipped models must throw a ModelError (or load), never trap.
@Suite struct HostileInputTests {
    /// A small real CNN built in the test: Conv → BN → Relu → MaxPool → Reshape → Gemm.
    static func cnn() -> [UInt8] {
        let w = ONNX.floats("w", [4, 3, 3, 3], (0..<108).map { Float($0 % 7) - 3 })
        let bn = (0..<4).map { ["s", "b", "m", "v"][$0] }
        let bnInits = bn.map { ONNX.floats($0, [4], [1, 0.5, 0.25, 2]) }
        let fc = ONNX.floats("fc", [10, 64], (0..<640).map { Float($0 % 5) })
        let shape = ONNX.int64s("shape", [2], [1, -1])
        let nodes = [
            ONNX.node("Conv", ["x", "w"], ["c"], name: "conv", [("pads", .ints([1, 1, 1, 1]))]),
            ONNX.node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"], name: "bn"),
            ONNX.node("Relu", ["n"], ["r"], name: "relu"),
            ONNX.node("MaxPool", ["r"], ["p"], name: "pool", [("kernel_shape", .ints([2, 2])), ("strides", .ints([2, 2]))]),
            ONNX.node("Reshape", ["p", "shape"], ["f"], name: "flat"),
            ONNX.node("Gemm", ["f", "fc"], ["y"], name: "fc", [("transB", .int(1))]),
        ]
        let g = ONNX.graph(nodes: nodes, inputs: [ONNX.valueInfo("x", 1, [.value(1), .value(3), .value(8), .value(8)])],
                           outputs: [ONNX.valueInfo("y", 1, [.value(1), .value(10)])], initializers: [w] + bnInits + [fc, shape])
        return ONNX.model(g)
    }

    func realModel() -> (String, [UInt8]) {
        let path = LightZoo.folder + "/light_squeezenet.onnx"
        if let data = FileManager.default.contents(atPath: path) { return ("light_squeezenet", Array(data)) }
        return ("in-test CNN (light zoo absent)", Self.cnn())
    }

    @Test func truncatedModelsThrow() throws {
        let (name, bytes) = realModel()
        #expect(try load(bytes).graph.nodes.count > 0, "the untouched \(name) must load")
        var thrown = 0, loaded = 0
        let cuts = Set(stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)).map { $0 } + [1, 2, bytes.count - 1])
        for cut in cuts {
            do { _ = try load(Array(bytes.prefix(cut))); loaded += 1 } catch { thrown += 1 }
        }
        // A cut exactly between top-level fields can leave a valid (smaller) model; most cuts must fail.
        #expect(thrown > cuts.count * 9 / 10, "\(name): \(thrown) of \(cuts.count) truncations threw, \(loaded) loaded")
    }

    @Test func byteFlippedModelsNeverTrap() throws {
        let (_, bytes) = realModel()
        var rng = SplitMix(seed: 42)
        var thrown = 0
        let trials = 400
        for _ in 0..<trials {
            var mutated = bytes
            for _ in 0..<Int(rng.next() % 4 + 1) {
                let i = Int(rng.next() % UInt64(mutated.count))
                mutated[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
            do { _ = try load(mutated) } catch { thrown += 1 }
        }
        // Flips inside weight bytes still give a valid model; reaching here without a trap is the point.
        #expect(thrown > 0)
    }

    @Test func hostileGraphValuesThrow() {
        // Conv with stride 0, MaxPool with a window larger than the input, Reshape to an impossible shape.
        let stride0 = ONNX.single("Conv", input: [.value(1), .value(1), .value(4), .value(4)], initializers: [ONNX.floats("w", [1, 1, 1, 1], [1])],
                                  initializerNames: ["w"], attrs: [("strides", .ints([0, 0]))])
        guard case .invalidNode? = loadError(stride0) else { Issue.record("stride 0 accepted"); return }
        let bigPool = ONNX.single("MaxPool", input: [.value(1), .value(1), .value(2), .value(2)], attrs: [("kernel_shape", .ints([5, 5]))])
        guard case .invalidNode? = loadError(bigPool) else { Issue.record("oversized window accepted"); return }
        let huge = ONNX.single("ConstantOfShape", input: [.value(1)], opset: 17)
        _ = loadError(huge)
        let g = ONNX.graph(nodes: [ONNX.node("ConstantOfShape", ["s"], ["y"], name: "cos")], inputs: [],
                           outputs: [ONNX.valueInfo("y", 1, nil)], initializers: [ONNX.int64s("s", [3], [1 << 20, 1 << 20, 1 << 20])])
        #expect(loadError(ONNX.model(g)) == .dimensionOverflow(value: "y", shape: [1 << 20, 1 << 20, 1 << 20]))
        let axis = ONNX.single("Softmax", input: [.value(2)], attrs: [("axis", .int(Int.min))])
        _ = loadError(axis)
        let slice = ONNX.single("Slice", input: [.value(4)], attrs: [("starts", .ints([Int.min])), ("ends", .ints([Int.max]))], opset: 9)
        #expect(loadError(slice) == nil)
    }
}

/// A tiny deterministic generator so the fuzz cases repeat exactly.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
