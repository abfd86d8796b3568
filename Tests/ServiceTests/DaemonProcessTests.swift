import Client
import Foundation
import Testing

/// The `picojouled` executable as a separate process: restart safety and peer checks.
@Suite(.serialized) struct DaemonProcessTests {
    /// picojouled from the same build as this test bundle.
    static func daemonPath() throws -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("picojouled").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw TimedOut(description: "build picojouled first: \(path) is missing") }
        return path
    }

    static func start(_ config: TestConfig, extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try daemonPath())
        process.arguments = ["--socket", config.socketPath, "--data-dir", config.dataDirectory,
                             "--synthetic-jobs", String(config.syntheticJobSeconds ?? 1), "--log-level", "warning"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func killMinusNineMidJobThenRestartCompletesTheJobAndKeepsEarlierResults() async throws {
        var config = try TestConfig.fresh()
        config.syntheticJobSeconds = 1
        var daemon = try Self.start(config)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let client = PicojouleClient(socketPath: config.socketPath)
        try await waitUntil("the daemon answers") { SocketProbe.answers(config.socketPath) }
        let sha = try await client.upload(try sampleModel(), name: "m.onnx").sha256
        let before = try await finished(client, try await client.submit(JobRequest(model: sha, profile: "demo-mcu")).id)
        let earlier = try await client.result(try #require(before.resultID)).summary
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()

        // A job long enough that the kill lands mid-job even when this test process
        // is starved of CPU by the other suites running beside it.
        var slow = config
        slow.syntheticJobSeconds = 120
        daemon = try Self.start(slow)
        try await waitUntil("the daemon answers again") { SocketProbe.answers(config.socketPath) }
        let victim = try await client.submit(JobRequest(model: sha, profile: "demo-host"))
        try await waitUntil("the job runs") { try await client.job(victim.id).state == .running }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()

        daemon = try Self.start(config)
        try await waitUntil("the restarted daemon answers") { SocketProbe.answers(config.socketPath) }
        let after = try await finished(client, victim.id)
        #expect(after.state == .succeeded)
        #expect(after.attempts == 2)
        let all = try await client.results()
        #expect(all.count == 2)
        #expect(Set(all.map(\.jobID)) == [before.id, victim.id])
        #expect(all.first { $0.id == earlier.id } == earlier)

        // SIGTERM: the daemon stops cleanly and removes its socket.
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: config.socketPath))
    }

    @Test func aPeerThatIsNotAllowedGets403() async throws {
        try #require(geteuid() == 0, "switching to another user needs root")
        let config = try TestConfig.fresh()
        let daemon = try Self.start(config, extra: ["--group", "nogroup"])
        defer { kill(daemon.processIdentifier, SIGKILL) }
        try await waitUntil("the daemon answers") { SocketProbe.answers(config.socketPath) }
        // nobody:nogroup may open the 0660 socket through the group, but is not an allowed user.
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        curl.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-s", "--unix-socket", config.socketPath,
                          "-w", "\n%{http_code}", "http://localhost/v1/health"]
        let pipe = Pipe()
        curl.standardOutput = pipe
        try curl.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        let lines = output.split(separator: "\n")
        #expect(lines.last == "403")
        let body = try APICoding.decoder().decode(APIErrorBody.self, from: Data(lines.first.map(String.init)?.utf8 ?? "".utf8))
        #expect(body.error.code == "forbidden")
        // The owner is still served.
        #expect(try await PicojouleClient(socketPath: config.socketPath).health().status == "ok")
    }
}
