import Foundation

/// Where the conformance material lives.
///
/// - fixtures: `$PICOJOULE_FIXTURES`, else `<package root>/.cache/fixtures` (made by `scripts/fixtures.sh`).
/// - the onnx package's test data: `$PICOJOULE_ONNX_DATA`, else the fixtures venv's
///   `site-packages/onnx/backend/test/data`.
enum FixturePaths {
    /// The package root, found from this file's path (Tests/ConformanceTests/Support/...).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures: URL = {
        if let env = ProcessInfo.processInfo.environment["PICOJOULE_FIXTURES"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent(".cache/fixtures")
    }()

    static let onnxData: URL? = {
        if let env = ProcessInfo.processInfo.environment["PICOJOULE_ONNX_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let lib = packageRoot.appendingPathComponent(".cache/venv/lib")
        let pythons = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
        for python in pythons.sorted() where python.hasPrefix("python") {
            let data = lib.appendingPathComponent("\(python)/site-packages/onnx/backend/test/data")
            if exists(data) { return data }
        }
        return nil
    }()

    /// True when `scripts/fixtures.sh` has finished (it writes STAMP last).
    static var fixturesReady: Bool { exists(fixtures.appendingPathComponent("STAMP")) }
    static var onnxDataReady: Bool { onnxData.map { exists($0.appendingPathComponent("pytorch-converted")) } ?? false }

    static let missingFixtures = "fixtures not found at \(fixtures.path): run scripts/fixtures.sh (or set PICOJOULE_FIXTURES)"
    static let missingOnnxData = "onnx test data not found: run scripts/fixtures.sh (or set PICOJOULE_ONNX_DATA to onnx/backend/test/data)"

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    /// Entries of a folder, sorted; empty when it does not exist.
    static func list(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }
}
