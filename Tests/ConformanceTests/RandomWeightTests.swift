import Foundation
import Model
import Testing

/// The light zoo models with seeded random weights (He-scaled Conv/Gemm weights,
/// positive BatchNorm variances; `scripts/fixtures.py`), a seeded N(0,1) input, and
/// onnxruntime 1.32's output (one thread) as the reference.
///
/// Tolerance: rtol 1e-3, atol 1e-5. The outputs are softmax probabilities (<= 1), and
/// ours sums in a different order than onnxruntime through up to 121 convolutions,
/// so a last-bit-exact match is not expected; 1e-5 absolute is far below the
/// differences a wrong kernel makes (>= 1e-3 in our experience).
@Suite("Random-weight zoo models against onnxruntime", .serialized)
struct RandomWeightTests {
    static let tolerance = Tolerance(rtol: 1e-3, atol: 1e-5)

    @Test("matches onnxruntime", .enabled(if: FixturePaths.fixturesReady, Comment(rawValue: FixturePaths.missingFixtures)),
          arguments: ZooTests.models)
    func randomWeights(_ model: String) throws {
        let dir = FixturePaths.fixtures.appendingPathComponent("random")
        let prepared = try Engine.prepare(modelAt: dir.appendingPathComponent("\(model).onnx").path)
        let input = try Engine.readNumpy(dir.appendingPathComponent("\(model).input.npy").path)
        let outputs = try prepared.run([prepared.inputNames[0]: input])
        for (k, output) in outputs.enumerated() {
            let name = k == 0 ? "\(model).ort.npy" : "\(model).ort.\(k).npy"
            let expected = try Engine.readNumpy(dir.appendingPathComponent(name).path)
            if let problem = mismatch(actual: output, expected: expected, tolerance: Self.tolerance) {
                Issue.record("random \(model) output \(k): \(problem)")
            }
        }
    }
}
