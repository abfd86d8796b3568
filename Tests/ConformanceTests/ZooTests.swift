import Foundation
import Model
import Testing

/// The nine light model-zoo architectures shipped in the onnx package, with the
/// input onnx's backend runner feeds them and their shipped reference output.
/// Their weights are ConstantOfShape(0.02), so these check structure and operator
/// semantics more than arithmetic; `RandomWeightTests` checks the arithmetic.
@Suite("Model zoo (onnx light models, shipped reference outputs)", .serialized)
struct ZooTests {
    static let allModels = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50",
                            "shufflenet", "squeezenet", "vgg19", "zfnet512"]

    /// All nine, or the comma-separated subset in `$PICOJOULE_CONFORMANCE_MODELS`
    /// (for quick runs of a debug build, where VGG-19 takes minutes).
    static let models: [String] = {
        guard let env = ProcessInfo.processInfo.environment["PICOJOULE_CONFORMANCE_MODELS"], !env.isEmpty else { return allModels }
        return env.split(separator: ",").map(String.init).filter(allModels.contains)
    }()

    /// onnx's own tolerances for these tests (`onnx/backend/test/case/model/__init__.py`):
    /// rtol 1e-3 (2e-3 for DenseNet-121), atol 1e-7.
    static func tolerance(_ model: String) -> Tolerance {
        Tolerance(rtol: model == "densenet121" ? 2e-3 : 1e-3, atol: 1e-7)
    }

    @Test("matches the shipped reference output", .enabled(if: FixturePaths.fixturesReady, Comment(rawValue: FixturePaths.missingFixtures)),
          arguments: models)
    func zooModel(_ model: String) throws {
        let dir = FixturePaths.fixtures.appendingPathComponent("zoo/\(model)")
        let data = dir.appendingPathComponent("test_data_set_0")
        let prepared = try Engine.prepare(modelAt: dir.appendingPathComponent("model.onnx").path)
        let input = try Engine.readTensorProto(data.appendingPathComponent("input_0.pb").path)
        let expected = try Engine.readTensorProto(data.appendingPathComponent("output_0.pb").path)
        let outputs = try prepared.run([prepared.inputNames[0]: input])
        try #require(outputs.count == 1, "\(model): \(outputs.count) outputs, expected 1")
        if let problem = mismatch(actual: outputs[0], expected: expected, tolerance: Self.tolerance(model)) {
            Issue.record("zoo \(model): \(problem)")
        }
    }
}
