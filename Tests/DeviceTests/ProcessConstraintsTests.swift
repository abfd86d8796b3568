import Device
import Foundation
import Testing

/// Constraints applied to a real child process: it waits on stdin, the test
/// applies the profile to its pid, then lets it go and checks what happened.
@Suite(.serialized) struct ProcessConstraintsTests {
    static let python = "/usr/bin/python3"

    /// A child running `script` under sh after it reads one line from stdin.
    final class PausedChild {
        let process = Process()
        let input = Pipe(), output = Pipe(), errors = Pipe()
        init(_ script: String) throws {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "read go; " + script]
            process.standardInput = input; process.standardOutput = output; process.standardError = errors
            try process.run()
        }
        var pid: Int32 { process.processIdentifier }
        func release() throws -> (status: Int32, output: String, errors: String) {
            input.fileHandleForWriting.write("go\n".data(using: .utf8)!)
            try input.fileHandleForWriting.close()
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        }
    }

    @Test func oneCoreProfileLeavesOneCPUInProcStatus() throws {
        let child = try PausedChild("grep Cpus_allowed_list /proc/$$/status")
        let applied = ProcessConstraints.apply(Constraints(cores: 1), overheadBytes: 0, pid: child.pid)
        let result = try child.release()
        let list = result.output.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(applied.cpus.count == 1)
        #expect(list == applied.cpus.first.map(String.init))
        #expect(applied.outcomes.first { $0.name == "cores" }?.applied == true)
    }

    @Test func moreCoresThanTheHostHasAreReportedNotIgnored() throws {
        let child = try PausedChild("true")
        let applied = ProcessConstraints.apply(Constraints(cores: 4096), overheadBytes: 0, pid: child.pid)
        _ = try child.release()
        let cores = applied.outcomes.first { $0.name == "cores" }
        #expect(cores?.applied == false)
        #expect(cores?.detail.contains("available here") == true)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python)))
    func allocationsPastTheCapFail() throws {
        let child = try PausedChild("exec \(Self.python) -c 'b = bytearray(1 << 30)'")
        let applied = ProcessConstraints.apply(Constraints(memoryCapBytes: 16 << 20), overheadBytes: 128 << 20, pid: child.pid)
        let result = try child.release()
        #expect(applied.addressSpaceLimitBytes == (16 + 128) << 20)
        #expect(applied.outcomes.first?.detail == "RLIMIT_AS = RLIMIT_DATA = 144 MiB (16 MiB cap + 128 MiB runtime overhead)")
        #expect(result.status != 0)
        #expect(result.errors.contains("MemoryError"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python)))
    func allocationsUnderTheCapSucceed() throws {
        let child = try PausedChild("exec \(Self.python) -c 'b = bytearray(1 << 20)'")
        _ = ProcessConstraints.apply(Constraints(memoryCapBytes: 16 << 20), overheadBytes: 128 << 20, pid: child.pid)
        #expect(try child.release().status == 0)
    }

    @Test func numaBindingIsReportedEvenWhereItCannotApply() throws {
        let child = try PausedChild("true")
        let applied = ProcessConstraints.apply(Constraints(cores: 1, numaNode: 7), overheadBytes: 0, pid: child.pid)
        _ = try child.release()
        let numa = applied.outcomes.first { $0.name == "numa_node" }
        #expect(numa?.applied == false)
        #expect(numa?.detail.isEmpty == false)
    }

    @Test func throttleStopsAndContinuesTheProcess() throws {
        let child = try PausedChild("while :; do :; done")
        let applied = ProcessConstraints.apply(Constraints(cores: 1, cpuShare: 0.25), overheadBytes: 0, pid: child.pid)
        // SIGKILL, not terminate(): a SIGTERM that lands while the throttle holds the
        // child stopped can be lost, and the spinning child outlives the test run.
        defer { applied.throttle?.stop(); kill(child.pid, SIGKILL); child.process.waitUntilExit() }
        let throttle = try #require(applied.throttle)
        #expect(applied.outcomes.contains { $0.name == "cpu_share" && $0.applied })
        child.input.fileHandleForWriting.write("go\n".data(using: .utf8)!)
        // Sample the child's state for up to 2 s: a 25 % duty cycle stops it 75 ms of
        // every 100 ms, so both states show up long before the end.
        var states: Set<Character> = []
        for _ in 0..<400 where states.count < 2 {
            if let stat = try? String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8),
               let state = stat.split(separator: ")").last?.split(separator: " ").first?.first {
                states.insert(state == "T" ? "T" : "R")
            }
            usleep(5_000)
        }
        #expect(states == ["T", "R"])
        throttle.stop()
        let stat = try String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8)
        #expect(stat.split(separator: ")").last?.split(separator: " ").first != "T")
    }
}
