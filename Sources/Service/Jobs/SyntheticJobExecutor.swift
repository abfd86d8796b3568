import Device
import Foundation
import Measure
import Profiling
import Runtime

/// Makes up a result instead of running the model: figures are fixed functions of
/// the file size and every figure is labelled `modeled` with a warning saying it is
/// synthetic. For tests of the daemon's plumbing (queueing, restart, storage) and
/// demos on a build without a runtime. Honours cancellation like a real worker.
public struct SyntheticJobExecutor: JobExecutor {
    public let seconds: Double
    public init(seconds: Double) { self.seconds = seconds }
    public var isSynthetic: Bool { true }

    public func execute(_ spec: JobSpec, progress: @escaping JobRunner.Progress) async throws -> ProfileResult {
        let steps = 10
        for step in 0..<steps {
            progress("run \(step + 1)/\(steps)", Double(step) / Double(steps))
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000) / steps))
        }
        progress("estimate", 1)
        let size = (try? FileManager.default.attributesOfItem(atPath: spec.modelPath)[.size] as? Int) ?? 0
        return Self.result(fileBytes: size, spec: spec)
    }

    /// The made-up result for a file of `fileBytes` under `spec`.
    public static func result(fileBytes: Int, spec: JobSpec) -> ProfileResult {
        let scale = spec.profile.constraints.integerOnly ? 0.25 : 1.0
        let energy = Double(fileBytes) * 1e-9 * scale, latency = Double(fileBytes) * 1e-8 * scale
        let ram = fileBytes / 2 + 4096
        func f(_ v: Double, _ unit: String) -> Figure { Figure(v, unit, .modeled) }
        let nodes = (0..<2).map { i in
            NodeEstimate(index: i, name: "node\(i)", opType: i == 0 ? "Conv" : "Gemm", energy: f(energy / 2, "J"),
                         energyCompute: f(energy / 4, "J"), energyDataMovement: f(energy / 4, "J"), energyStatic: f(0, "J"),
                         latency: f(latency / 2, "s"), boundBy: "compute",
                         traffic: [LevelTraffic(level: "sram", bytes: f(Double(fileBytes) / 2, "B"), energy: f(energy / 4, "J"))])
        }
        let estimate = Estimate(energy: f(energy, "J"), energyCompute: f(energy / 2, "J"), energyDataMovement: f(energy / 2, "J"),
                                energyStatic: f(0, "J"), dominantTerm: "compute", latency: f(latency, "s"),
                                traffic: [LevelTraffic(level: "sram", bytes: f(Double(fileBytes), "B"), energy: f(energy / 2, "J"))],
                                nodes: nodes, comparisons: [])
        let plan = MemoryPlanSummary(arenaBytes: ram - 4096, lowerBoundBytes: ram - 4096, weightBytes: fileBytes,
                                     modelWeightBytes: fileBytes, ioBytes: 4096, scratchBytes: 0)
        let host = HostRun(runs: spec.runs, warmup: spec.warmup, threads: 1, latencyMean: Figure(latency, "s", .measured),
                           latencyMedian: Figure(latency, "s", .measured), latencyP90: Figure(latency, "s", .measured),
                           latencyMin: Figure(latency, "s", .measured), counters: [], nodeSeconds: [latency / 2, latency / 2],
                           constraints: [])
        let counts = (0..<2).map { NodeCounts(index: $0, name: "node\($0)", opType: $0 == 0 ? "Conv" : "Gemm", computeType: .float32,
                                              inputTypes: [.float32], outputTypes: [.float32], macs: [.float32: Int64(fileBytes)]) }
        return ProfileResult(model: ModelSummary(name: (spec.modelPath as NSString).lastPathComponent, sha256: "", fileBytes: fileBytes,
                                                 parameters: [:], parameterBytes: [:], macs: [.float32: Int64(fileBytes) * 2]),
                             profile: spec.profile.name, device: spec.device.name,
                             memory: MemoryReport(plan: plan, peakRAMBytes: ram, flashBytes: fileBytes,
                                                  memoryCapBytes: spec.profile.constraints.memoryCapBytes,
                                                  flashCapBytes: spec.profile.constraints.flashCapBytes),
                             host: host, estimate: estimate, nodeCounts: counts,
                             warnings: ["synthetic result: the daemon runs with --synthetic-jobs; no model was executed"])
    }

    /// Two made-up devices and profiles for the synthetic mode.
    public static let demoCatalog: StaticCatalog = {
        let mcu = DeviceSpec(name: "demo-mcu", description: "synthetic microcontroller", clusters: [
            CoreCluster(name: "m", cores: 1, clockHz: 480e6, macsPerCycle: [.int8: 2, .float32: 1])],
                             nativeDTypes: [.int8, .float32], accelerator: nil, memoryLevels: [], energyPerMAC: [.int8: 1],
                             energyPerOp: [:], staticPowerWatts: 0.01, activePowerWattsPerMHz: nil, sources: [:])
        var host = mcu
        host.name = "demo-host"; host.description = "synthetic host"
        let profiles = [
            DeviceProfile(name: "demo-mcu", description: "synthetic MCU target with budgets", device: "demo-mcu",
                          constraints: Constraints(memoryCapBytes: 256 << 10, integerOnly: true), counters: [], runs: 5, warmup: 1,
                          simulate: false, budgets: Budgets(energyPerInferenceJoules: 1e-3, latencySeconds: 0.1, peakRAMBytes: 256 << 10)),
            DeviceProfile(name: "demo-host", description: "synthetic host target, no budgets", device: "demo-host",
                          constraints: Constraints(), counters: [], runs: 5, warmup: 1, simulate: false, budgets: Budgets()),
        ]
        return StaticCatalog(devices: [mcu, host], profiles: profiles)
    }()
}
