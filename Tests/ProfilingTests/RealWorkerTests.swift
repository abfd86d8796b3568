import Device
import Foundation
import Measure
import Model
import Profiling
import Testing

/// The whole job path for real: the built `picojouled worker` process applies a
/// bundled profile to itself, loads a bundled sample model, runs it with counters
/// and returns the estimate; and the in-process `JobRunner` on the same files.
@Suite(.serialized) struct RealWorkerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func catalog() throws -> DeviceCatalog {
        try DeviceCatalog(devicesDirectory: root.appendingPathComponent("devices").path,
                          profilesDirectory: root.appendingPathComponent("profiles").path)
    }

    static func sample(_ variant: String) -> String { root.appendingPathComponent("samples/tinycnn-\(variant).onnx").path }

    /// picojouled from the same build as this test bundle (it has the hidden worker mode).
    static func workerExecutable() throws -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("picojouled").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw WorkerMissing(path: path) }
        return path
    }

    struct WorkerMissing: Error, CustomStringConvertible {
        var path: String
        var description: String { "build picojouled first: \(path) is missing" }
    }

    static func spec(_ variant: String, profile name: String, runs: Int = 3) throws -> JobSpec {
        let catalog = try catalog()
        let profile = try catalog.profile(named: name)
        return JobSpec(modelPath: sample(variant), profile: profile, device: try catalog.device(named: profile.device), runs: runs, warmup: 1)
    }

    @Test func aWorkerProcessProfilesTheSampleUnderTheHostProfile() async throws {
        let supervisor = WorkerSupervisor(executable: try Self.workerExecutable(), timeout: .seconds(300))
        let result = try await supervisor.run(try Self.spec("fp32", profile: "host"))
        #expect(result.profile == "host" && result.host.runs == 3 && result.host.threads == 1)
        #expect(result.estimate.energy.value > 0 && result.estimate.energy.source == .modeled)
        #expect(result.host.latencyMedian.value > 0 && result.host.latencyMedian.source == .measured)
        #expect(!result.estimate.nodes.isEmpty && result.estimate.nodes.count == result.nodeCounts.count)
        #expect((result.model.macs[.float32] ?? 0) > 0)
        // Every counter is either counted or unavailable with a reason, never a silent zero.
        #expect(!result.host.counters.isEmpty)
        let counters = CounterText.check(result.host.counters)
        #expect(counters.silent.isEmpty, "counters without a count or a reason: \(counters.silent)")
        #expect(counters.taskClockCounted, "the software task clock counts in the worker")
        // The one-core profile pinned the worker: the constraint says so.
        #expect(result.host.constraints.contains { $0.name == "cores" && $0.applied })
    }

    @Test func anIntegerOnlyProfileRefusesTheFP32SampleNamingItsNodes() async throws {
        let supervisor = WorkerSupervisor(executable: try Self.workerExecutable(), timeout: .seconds(300))
        do {
            _ = try await supervisor.run(try Self.spec("fp32", profile: "mcu-m55-npu"))
            Issue.record("an fp32 model ran under an integer-only profile")
        } catch {
            let message = "\(error)"
            #expect(message.contains("Conv"), "\(message)")
            #expect(message.lowercased().contains("float"), "\(message)")
        }
    }

    @Test func anMCUProfileRefusesAModelOverItsRAMCapWithTheNumbers() async throws {
        // The host profile's device with a 4 KiB cap: the sample's arena alone is larger.
        var spec = try Self.spec("fp32", profile: "mcu-m7")
        spec.profile.constraints.memoryCapBytes = 4 << 10
        let supervisor = WorkerSupervisor(executable: try Self.workerExecutable(), timeout: .seconds(300))
        do {
            _ = try await supervisor.run(spec)
            Issue.record("a model over its RAM cap ran")
        } catch {
            let message = "\(error)"
            #expect(message.contains("KiB") && message.contains("mcu-m7"), "\(message)")
        }
    }

    @Test func theInt8SampleCostsLessModeledEnergyThanFP32OnTheM7() throws {
        // The fp32 sample needs more than the M7's 512 KiB of SRAM (that refusal is its
        // own test); lift the cap so that both run and their estimates compare.
        func run(_ variant: String) throws -> ProfileResult {
            var spec = try Self.spec(variant, profile: "mcu-m7", runs: 2)
            spec.profile.constraints.memoryCapBytes = nil
            return try JobRunner().run(spec)
        }
        let fp32 = try run("fp32"), int8 = try run("int8")
        #expect(int8.estimate.energy.value < fp32.estimate.energy.value)
        #expect(int8.memory.flashBytes < fp32.memory.flashBytes)
        #expect((int8.model.macs[.int8] ?? 0) + (int8.model.macs[.uint8] ?? 0) > 0, "the int8 sample computes in integers")
    }
}

extension RealWorkerTests {
    /// The simulated source on the real binary: `picojoule run` under cachegrind with
    /// the phone's caches, beside the modeled figures. Needs valgrind (CI installs it).
    @Test(.enabled(if: Cachegrind.locateValgrind() != nil))
    func aSimulatedJobReportsCachegrindMissesBesideTheModel() throws {
        var spec = try Self.spec("int8", profile: "phone-big", runs: 1)
        spec.simulate = true
        let result = try JobRunner().run(spec)
        #expect(!result.warnings.contains { $0.contains("cachegrind") }, "\(result.warnings)")
        let simulated = result.estimate.comparisons.filter { $0.b.source == .simulated }
        #expect(simulated.count == 2, "\(result.estimate.comparisons.map(\.quantity))")
        // One inference of the sample reads tens of KB of weights: D1 (64 KiB here) misses some.
        let d1 = try #require(simulated.first { $0.quantity.contains("beyond L1") || $0.quantity.contains("D1") })
        #expect(d1.b.value > 0, "\(d1)")
    }
}

/// Counter checks kept out of the async test body: Swift 6.3.1's optimizer crashes
/// (CopyPropagation, "outside of lifetime use") on a switch over a borrowed
/// `CounterReading.Status` inside an async function.
enum CounterText {
    struct Check { var silent: [String]; var taskClockCounted: Bool }

    @inline(never)
    static func check(_ counters: [CounterReading]) -> Check {
        var silent: [String] = [], taskClock = false
        for reading in counters {
            switch reading.status {
            case .counted(let value, _, _):
                if value < 0 { silent.append(reading.event) }
                if (reading.event.contains("TASK_CLOCK") || reading.event == "task-clock") && value > 0 { taskClock = true }
            case .unavailable(_, let reason):
                if reason.isEmpty { silent.append(reading.event) }
            }
        }
        return Check(silent: silent, taskClockCounted: taskClock)
    }
}
