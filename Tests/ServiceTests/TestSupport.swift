import Client
import Foundation
import Service
import Store

/// A daemon configuration for tests: a private temp directory and a short socket path.
struct TestConfig: DaemonConfig {
    var socketPath: String
    var dataDirectory: String
    var socketGroup: String? = nil
    var allowedUsers: [String] = []
    var maxModelBytes: Int = 1 << 20
    var shutdownGraceSeconds: Double = 5
    var maxAttempts: Int = 3
    var devicesDirectory: String? = nil
    var profilesDirectory: String? = nil
    var syntheticJobSeconds: Double? = 0.2
    var workerExecutable: String? = nil
    var jobTimeoutSeconds: Double = 60

    /// A fresh directory under /tmp (short: socket paths are limited to 107 bytes).
    static func fresh() throws -> TestConfig {
        let dir = "/tmp/pj-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return TestConfig(socketPath: "\(dir)/d.sock", dataDirectory: "\(dir)/data")
    }
}

/// The repository's root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A small real ONNX model the project generates itself.
func sampleModel(_ name: String = "tinycnn-fp32.onnx") throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: "\(repositoryRoot)/samples/\(name)") else {
        throw ClientError.input("samples/\(name) is missing: run scripts/make-samples.py")
    }
    return Array(data)
}

/// Runs a daemon in this process (synthetic jobs, in-memory-free temp SQLite) for the body.
func withDaemon<T>(_ config: TestConfig? = nil, _ body: (PicojouleClient, TestConfig) async throws -> T) async throws -> T {
    let config = try config ?? TestConfig.fresh()
    let daemon = try await buildApplication(config)
    let task = Task { try await daemon.run(gracefulShutdownSignals: []) }
    defer { task.cancel() }
    let client = PicojouleClient(socketPath: config.socketPath)
    // Ready means listening with the socket's mode already restricted (the daemon
    // executable sets umask 077 before binding; in-process tests do not).
    try await waitUntil("the daemon answers with a restricted socket") {
        let mode = try? FileManager.default.attributesOfItem(atPath: config.socketPath)[.posixPermissions] as? Int
        return SocketProbe.answers(config.socketPath) && mode == (config.socketGroup == nil ? 0o600 : 0o660)
    }
    let value = try await body(client, config)
    task.cancel()
    _ = await task.result
    return value
}

struct TimedOut: Error, CustomStringConvertible { var description: String }

/// Polls `condition` every 50 ms for up to `seconds` (a wait, not a timing assertion).
func waitUntil(_ what: String, seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TimedOut(description: "gave up waiting for \(what)")
}

/// Waits for a job to end and returns its final status.
func finished(_ client: PicojouleClient, _ id: Int64, seconds: Double = 60) async throws -> JobStatus {
    var last: JobStatus?
    try await waitUntil("job \(id) to finish", seconds: seconds) {
        last = try await client.job(id)
        return last!.state.isFinal
    }
    return last!
}
