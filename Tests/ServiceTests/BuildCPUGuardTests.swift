import Foundation
import Testing

/// The start-up CPU check (CLinux/build_cpu_guard.c) is linked into both executables and
/// runs before any Swift code: forced to refuse, each exits 2 with the sentence, not SIGILL.
@Suite struct BuildCPUGuardTests {
    struct Outcome { var status: Int32; var stderr: String }

    static func run(_ name: String, forced: Bool) throws -> Outcome {
        let daemon = try DaemonProcessTests.daemonPath()
        let path = URL(fileURLWithPath: daemon).deletingLastPathComponent().appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--help"]
        var environment = ProcessInfo.processInfo.environment
        environment["PICOJOULE_CPU_GUARD"] = forced ? "refuse" : nil
        process.environment = environment
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stderr: text)
    }

    @Test(arguments: ["picojoule", "picojouled"])
    func aRefusedCPUGetsASentenceAndExitStatus2(executable: String) throws {
        let refused = try Self.run(executable, forced: true)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("this build was compiled for"))
        #expect(refused.stderr.contains("this CPU lacks"))
        let normal = try Self.run(executable, forced: false)
        #expect(normal.status == 0)
        #expect(!normal.stderr.contains("this build was compiled for"))
    }
}
