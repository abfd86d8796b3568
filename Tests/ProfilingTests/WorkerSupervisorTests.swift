import Device
import Foundation
import Measure
import Model
import Profiling
import Runtime
import Testing

/// The supervisor against `/bin/sh` scripts that behave like workers: answer,
/// hang, crash, run out of memory, or talk nonsense. Each failure names its cause
/// and the supervisor is ready for the next job.
@Suite struct WorkerSupervisorTests {
    static let python = "/usr/bin/python3"

    static func spec(memoryCap: Int? = 512 * 1024) -> JobSpec {
        let profile = DeviceProfile(name: "mcu-m7", description: "test", device: "host",
                                    constraints: Constraints(memoryCapBytes: memoryCap, cores: 1),
                                    counters: [], runs: 3, warmup: 1, simulate: false, budgets: Budgets())
        return JobSpec(modelPath: "/models/tiny.onnx", profile: profile, device: HostDevice.detect())
    }

    static func result() -> ProfileResult {
        let zero = Figure(0, "J", .modeled)
        let latency = Figure(0.002, "s", .measured)
        let plan = MemoryPlanSummary(arenaBytes: 1024, lowerBoundBytes: 1024, weightBytes: 4096, modelWeightBytes: 4096, ioBytes: 64, scratchBytes: 0)
        return ProfileResult(
            model: ModelSummary(name: "tiny", sha256: "00", fileBytes: 5000, parameters: [.float32: 1024], parameterBytes: [.float32: 4096], macs: [.float32: 1024]),
            profile: "mcu-m7", device: "host",
            memory: MemoryReport(plan: plan, peakRAMBytes: 5184, flashBytes: 4096, memoryCapBytes: 512 * 1024, flashCapBytes: nil),
            host: HostRun(runs: 3, warmup: 1, threads: 1, latencyMean: latency, latencyMedian: latency, latencyP90: latency, latencyMin: latency,
                          counters: [], nodeSeconds: [], constraints: []),
            estimate: Estimate(energy: zero, energyCompute: zero, energyDataMovement: zero, energyStatic: zero, dominantTerm: "static",
                               latency: latency, traffic: [], nodes: [], comparisons: []),
            nodeCounts: [], warnings: [])
    }

    static let limits = WorkerLimits(applied: [AppliedConstraint(name: "memory_cap", requested: "512 KiB", applied: true, detail: "RLIMIT_AS")],
                                     addressSpaceLimitBytes: 512 * 1024 + (200 << 20), memoryCapBytes: 512 * 1024, overheadBytes: 200 << 20, cpus: [0])

    /// Writes `events` as NDJSON to a file a script can `cat`.
    static func eventsFile(_ events: [WorkerEvent], in directory: TemporaryDirectory) throws -> String {
        let encoder = JSONEncoder()
        let lines = try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let path = directory.path + "/events.ndjson"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func shell(_ script: String, timeout: Duration = .seconds(60)) -> WorkerSupervisor {
        WorkerSupervisor(executable: "/bin/sh", arguments: ["-c", script], timeout: timeout)
    }

    @Test func resultAndProgressComeBackAndTheSpecArrivesOnStdin() async throws {
        let directory = try TemporaryDirectory()
        let events = try Self.eventsFile([.constraints(Self.limits), .progress(phase: "load", fraction: 0.5), .result(Self.result())], in: directory)
        let received = directory.path + "/spec.json"
        let phases = Phases()
        let result = try await Self.shell("cat > \(received); cat \(events)").run(Self.spec()) { phase, _ in phases.add(phase) }
        #expect(result.model.name == "tiny")
        #expect(result.host.constraints == Self.limits.applied)
        #expect(phases.all == ["load"])
        let spec = try JSONDecoder().decode(JobSpec.self, from: Data(contentsOf: URL(fileURLWithPath: received)))
        #expect(spec == Self.spec())
    }

    @Test func timeoutKillsTheWorkerAndNamesThePhase() async throws {
        let directory = try TemporaryDirectory()
        let events = try Self.eventsFile([.progress(phase: "run 1/3", fraction: 0.3)], in: directory)
        let error = await #expect(throws: WorkerFailure.self) {
            try await Self.shell("cat >/dev/null; cat \(events); sleep 30", timeout: .milliseconds(500)).run(Self.spec())
        }
        #expect(error?.description == "the worker ran past its timeout of 0.5 s during run 1/3 and was killed (SIGKILL)")
    }

    @Test func cancellingTheTaskKillsTheWorkerAndNamesThePhase() async throws {
        let directory = try TemporaryDirectory()
        let events = try Self.eventsFile([.progress(phase: "run 2/3", fraction: 0.6)], in: directory)
        // Without the kill the script would exit 0 after 20 s with no result (a protocol violation).
        let task = Task {
            try await Self.shell("cat >/dev/null; cat \(events); sleep 20").run(Self.spec())
        }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let outcome = await task.result
        guard case .failure(let error) = outcome, let failure = error as? WorkerFailure, case .cancelled = failure else {
            Issue.record("expected .cancelled, got \(outcome)"); return
        }
        // The phase is named when its progress line was read before the cancel (a loaded machine may not get that far).
        #expect(["the job was cancelled during run 2/3; its worker was killed (SIGKILL)",
                 "the job was cancelled; its worker was killed (SIGKILL)"].contains(failure.description))
    }

    @Test func aCrashIsReportedWithTheSignalName() async {
        let error = await #expect(throws: WorkerFailure.self) {
            try await Self.shell("cat >/dev/null; echo 'conv kernel: bad index' >&2; kill -SEGV $$").run(Self.spec())
        }
        #expect(error?.description.hasPrefix("the worker was killed by SIGSEGV") == true)
        #expect(error?.description.contains("conv kernel: bad index") == true)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python)))
    func anAllocationPastTheLimitIsReportedAsSuch() async throws {
        let directory = try TemporaryDirectory()
        let events = try Self.eventsFile([.constraints(Self.limits)], in: directory)
        let error = await #expect(throws: WorkerFailure.self) {
            try await Self.shell("cat >/dev/null; cat \(events); ulimit -v 204800; exec \(Self.python) -c 'b = bytearray(1 << 30)'").run(Self.spec())
        }
        guard case .memoryLimitExceeded = error else { Issue.record("expected a memory-limit failure, got \(String(describing: error))"); return }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("the worker exited with status 1 after an allocation failed: exceeded RLIMIT_AS (memory cap 512 KiB + overhead 200 MiB = 201 MiB)"), "\(text)")
    }

    @Test func aRefusalCarriesTheWorkersMessage() async throws {
        let directory = try TemporaryDirectory()
        let message = "needs 1.9 MiB of RAM, profile mcu-m7 allows 512 KiB"
        let events = try Self.eventsFile([.constraints(Self.limits), .error(WorkerError(kind: .refused, message: message))], in: directory)
        let error = await #expect(throws: WorkerFailure.self) { try await Self.shell("cat >/dev/null; cat \(events); exit 1").run(Self.spec()) }
        #expect(error?.description == message)
    }

    @Test func garbageOnStdoutAndSilentExitsAreNamed() async {
        let garbage = await #expect(throws: WorkerFailure.self) { try await Self.shell("cat >/dev/null; echo hello").run(Self.spec()) }
        #expect(garbage?.description.contains("stdout line is not a worker event: hello") == true)
        let exited = await #expect(throws: WorkerFailure.self) { try await Self.shell("exit 3").run(Self.spec()) }
        #expect(exited?.description == "the worker exited with status 3 without a result")
        let missing = await #expect(throws: WorkerFailure.self) {
            try await WorkerSupervisor(executable: "/nonexistent/picojoule", timeout: .seconds(5)).run(Self.spec())
        }
        #expect(missing?.description.hasPrefix("could not start the worker /nonexistent/picojoule") == true)
    }
}

/// Phases seen by a progress callback, collected across threads.
final class Phases: @unchecked Sendable {
    private let lock = NSLock()
    private var phases: [String] = []
    func add(_ phase: String) { lock.withLock { phases.append(phase) } }
    var all: [String] { lock.withLock { phases } }
}

/// A directory removed when the value is released.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "picojoule-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
