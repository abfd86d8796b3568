import Device
import Model
import Testing

/// Models that cannot fit are refused up front, with the numbers.
@Suite struct MemoryFitTests {
    /// ResNet-50 v1 fp32 at batch 1: 25.6 M parameters (97.7 MiB of weights) and a
    /// planned activation arena of two 112×112×64 fp32 tensors live at once.
    static let resnet50 = (arena: 2 * 112 * 112 * 64 * 4, io: 224 * 224 * 3 * 4 + 1000 * 4, scratch: 0, weights: 102_453_248)

    @Test(arguments: ["mcu-m4", "mcu-m7", "mcu-m55-npu"])
    func mcuProfilesRefuseResNet50(profile name: String) throws {
        let profile = try RepositoryData.catalog().profile(named: name)
        let model = Self.resnet50
        let error = #expect(throws: MemoryFitError.self) {
            try MemoryFit.check(arenaBytes: model.arena, ioBytes: model.io, scratchBytes: model.scratch, weightBytes: model.weights,
                                modelWeightBytes: model.weights, constraints: profile.constraints, profileName: name)
        }
        let cap = Quantity.formatBytes(profile.constraints.memoryCapBytes!)
        let flash = Quantity.formatBytes(profile.constraints.flashCapBytes!)
        #expect(error?.description.hasPrefix("needs 6.7 MiB of RAM, profile \(name) allows \(cap); needs 97.7 MiB of flash, profile \(name) allows \(flash)") == true)
        #expect(error?.shortfalls.map(\.resource) == ["RAM", "flash"])
    }

    @Test func theIssueExampleReadsAsWritten() {
        let constraints = Constraints(memoryCapBytes: 512 * 1024, flashCapBytes: 2 << 20, weightsInFlash: true)
        let error = #expect(throws: MemoryFitError.self) {
            try MemoryFit.check(ramBytes: 1_992_294, flashBytes: 1 << 20, constraints: constraints, profileName: "mcu-m7")
        }
        #expect(error?.description.hasPrefix("needs 1.9 MiB of RAM, profile mcu-m7 allows 512 KiB") == true)
    }

    @Test func weightsInRAMCountAgainstTheRAMCap() throws {
        let inRAM = Constraints(memoryCapBytes: 1 << 20, weightsInFlash: false)
        #expect(throws: MemoryFitError.self) {
            try MemoryFit.check(arenaBytes: 600_000, ioBytes: 0, scratchBytes: 0, weightBytes: 600_000, modelWeightBytes: 600_000,
                                constraints: inRAM, profileName: "p")
        }
        let inFlash = Constraints(memoryCapBytes: 1 << 20, flashCapBytes: 1 << 20, weightsInFlash: true)
        try MemoryFit.check(arenaBytes: 600_000, ioBytes: 0, scratchBytes: 0, weightBytes: 600_000, modelWeightBytes: 600_000,
                            constraints: inFlash, profileName: "p")
    }

    @Test func aSmallModelFitsTheRPi() throws {
        let profile = try RepositoryData.catalog().profile(named: "rpi4")
        let model = Self.resnet50
        try MemoryFit.check(arenaBytes: model.arena, ioBytes: model.io, scratchBytes: model.scratch, weightBytes: model.weights,
                            modelWeightBytes: model.weights, constraints: profile.constraints, profileName: "rpi4")
    }
}

/// An integer-only profile refuses a float model, naming its nodes.
@Suite struct IntegerOnlyTests {
    static func graph(dtype: DType, quantized: Bool) -> Graph {
        let f = TensorType(dtype: .float32, shape: [1, 8])
        let t = TensorType(dtype: dtype, shape: [1, 8])
        var nodes = [Node(name: "conv1", opType: "Conv", inputs: ["x", "w"], outputs: ["y"]),
                     Node(name: "relu1", opType: "Relu", inputs: ["y"], outputs: ["z"])]
        var types: [String: TensorType] = ["x": t, "w": t, "y": t, "z": t, "scale": f]
        var inputs = [ValueInfo(name: "x", declaredShape: [.fixed(1), .fixed(8)], type: t)]
        var outputs = [ValueInfo(name: "z", declaredShape: [.fixed(1), .fixed(8)], type: t)]
        if quantized {
            nodes.insert(Node(name: "quant_in", opType: "QuantizeLinear", inputs: ["in", "scale"], outputs: ["x"]), at: 0)
            nodes.append(Node(name: "dequant_out", opType: "DequantizeLinear", inputs: ["z", "scale"], outputs: ["out"]))
            types["in"] = f; types["out"] = f
            inputs = [ValueInfo(name: "in", declaredShape: [.fixed(1), .fixed(8)], type: f)]
            outputs = [ValueInfo(name: "out", declaredShape: [.fixed(1), .fixed(8)], type: f)]
        }
        return Graph(name: "g", nodes: nodes, initializers: [:], inputs: inputs, outputs: outputs, valueTypes: types, opsets: ["": 13])
    }

    @Test func floatModelIsRefusedWithItsNodes() {
        let error = #expect(throws: IntegerOnlyError.self) {
            try IntegerOnlyCheck.check(Self.graph(dtype: .float32, quantized: false), profileName: "mcu-m55-npu")
        }
        #expect(error?.offenders.map(\.node) == ["conv1", "relu1"])
        #expect(error?.description.hasPrefix("profile mcu-m55-npu is integer-only but 2 nodes compute in floating point: Conv 'conv1' (float32), Relu 'relu1' (float32)") == true)
    }

    @Test func int8ModelWithQuantizeAtTheEdgesPasses() throws {
        try IntegerOnlyCheck.check(Self.graph(dtype: .int8, quantized: true), profileName: "mcu-m55-npu")
    }
}
