import Foundation
import Model
import Testing

enum LightZoo {
    static let folder = FileManager.default.currentDirectoryPath + "/.cache/venv/lib/python3.11/site-packages/onnx/backend/test/data/light"
    static let names = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"]
    static var present: Bool { FileManager.default.fileExists(atPath: folder + "/light_squeezenet.onnx") }
}

/// The nine real light-zoo models (ConstantOfShape-made weights) load and infer to [1, 1000].
@Suite struct LightZooTests {
    @Test(arguments: LightZoo.names) func loadsAndInfers(name: String) throws {
        guard LightZoo.present else {
            print("LightZooTests: skipped, \(LightZoo.folder) is absent (run scripts/fixtures.sh)")
            return
        }
        let m = try ModelLoader.load(path: LightZoo.folder + "/light_\(name).onnx")
        #expect(m.graph.inputs.count == 1)
        let out = try #require(m.graph.outputs.first)
        #expect(out.type.elementCount == 1000, "\(name) output \(out.type.shape)")
        for n in m.graph.nodes { for o in n.outputs where !o.isEmpty { #expect(m.graph.valueTypes[o] != nil) } }
        let inspection = ModelInspection(graph: m.graph)
        #expect(inspection.operatorHistogram["Conv", default: 0] > 0)
    }

    @Test func squeezenetOptimizes() throws {
        guard LightZoo.present else { print("LightZooTests: skipped, light zoo absent"); return }
        var g = try ModelLoader.load(path: LightZoo.folder + "/light_squeezenet.onnx").graph
        try GraphPasses.optimize(&g, evaluator: nil)
        // ConstantOfShape weights become initializers, Dropout goes away.
        #expect(!g.nodes.contains { $0.opType == "ConstantOfShape" || $0.opType == "Dropout" })
        #expect(g.outputs[0].type.shape == [1, 1000, 1, 1] || g.outputs[0].type.elementCount == 1000)
        #expect(ModelInspection(graph: g).parameterCount > 1_000_000)
    }
}
