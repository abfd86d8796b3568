import Foundation
import Model
import Testing

/// Every `pytorch-converted` and `pytorch-operator` case shipped in the onnx package:
/// model.onnx plus test_data_set_*/input_k.pb and output_k.pb. A case whose model
/// Picojoule refuses as unsupported (operator, element type, opset) is skipped and
/// counted; any other error or a wrong output fails the test.
@Suite("onnx pytorch-converted and pytorch-operator cases")
struct OperatorCaseTests {
    @Test("supported cases match their reference outputs",
          .enabled(if: FixturePaths.onnxDataReady, Comment(rawValue: FixturePaths.missingOnnxData)))
    func operatorCases() throws {
        let root = try #require(FixturePaths.onnxData)
        var passed: [String] = [], failed: [String] = [], skipped: [String: [String]] = [:]
        for kind in ["pytorch-converted", "pytorch-operator"] {
            let kindDir = root.appendingPathComponent(kind)
            for name in FixturePaths.list(kindDir) where name.hasPrefix("test_") {
                let caseDir = kindDir.appendingPathComponent(name)
                switch OperatorCase.run(caseDir) {
                case .passed: passed.append(name)
                case let .skipped(reason): skipped[reason, default: []].append(name)
                case let .failed(reason):
                    failed.append(name)
                    Issue.record("\(kind)/\(name): \(reason)")
                }
            }
        }
        let reasons = skipped.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
            .map { "\($0.key)×\($0.value.count)" }.joined(separator: ", ")
        let skippedCount = skipped.values.reduce(0) { $0 + $1.count }
        print("conformance: \(passed.count) passed, \(failed.count) failed, \(skippedCount) skipped" + (reasons.isEmpty ? "" : " (\(reasons))"))
        if !failed.isEmpty { print("conformance: failed: \(failed.joined(separator: ", "))") }
        #expect(passed.count + failed.count + skippedCount > 100, "expected the onnx package's 117 cases under \(root.path)")
    }
}

/// One onnx backend test case folder.
enum OperatorCase {
    enum Outcome { case passed, failed(String), skipped(String) }

    static func run(_ dir: URL) -> Outcome {
        let prepared: ConformanceSession
        do {
            prepared = try Engine.prepare(modelAt: dir.appendingPathComponent("model.onnx").path)
        } catch {
            if let reason = Engine.unsupportedReason(error) { return .skipped(reason) }
            return .failed("prepare: \(error)")
        }
        let sets = FixturePaths.list(dir).filter { $0.hasPrefix("test_data_set_") }
        guard !sets.isEmpty else { return .failed("no test_data_set_* folder") }
        for set in sets {
            let data = dir.appendingPathComponent(set)
            let files = FixturePaths.list(data)
            do {
                var inputs: [String: Tensor] = [:]
                for k in 0..<files.filter({ $0.hasPrefix("input_") }).count {
                    guard k < prepared.inputNames.count else { return .failed("\(set) has more inputs than the model") }
                    inputs[prepared.inputNames[k]] = try Engine.readTensorProto(data.appendingPathComponent("input_\(k).pb").path)
                }
                let outputs = try prepared.run(inputs)
                let expectedCount = files.filter { $0.hasPrefix("output_") }.count
                guard outputs.count == expectedCount else { return .failed("\(outputs.count) outputs, expected \(expectedCount)") }
                for k in 0..<expectedCount {
                    let expected = try Engine.readTensorProto(data.appendingPathComponent("output_\(k).pb").path)
                    if let problem = mismatch(actual: outputs[k], expected: expected, tolerance: .onnx) {
                        return .failed("\(set) output \(k): \(problem)")
                    }
                }
            } catch {
                if let reason = Engine.unsupportedReason(error) { return .skipped(reason) }
                return .failed("\(set): \(error)")
            }
        }
        return .passed
    }
}
