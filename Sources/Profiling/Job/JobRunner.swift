import Device
import Measure
import Model
import Runtime

/// Runs one job in the current process: load, lower, plan, check caps, run with
/// counters, estimate. The worker process calls it after applying the profile's
/// constraints to itself; tests and `--local` call it directly.
public struct JobRunner: Sendable {
    public init() {}

    /// Progress callback: a phase name and a fraction in 0...1.
    public typealias Progress = @Sendable (_ phase: String, _ fraction: Double) -> Void

    /// `prepare` then `execute`.
    public func run(_ spec: JobSpec, appliedConstraints: [AppliedConstraint] = [], progress: Progress = { _, _ in }) throws -> ProfileResult {
        let job = try prepare(spec, progress: progress)
        return try execute(job, appliedConstraints: appliedConstraints, progress: progress)
    }

    /// Loads and compiles the model and refuses it up front, with the numbers, when
    /// its static memory plan does not fit the profile. Counters are opened first:
    /// `inherit` only follows threads created after the open, and the session
    /// creates its pool.
    public func prepare(_ spec: JobSpec, progress: Progress = { _, _ in }) throws -> PreparedJob {
        progress("load", 0)
        let constraints = spec.profile.constraints
        let group = CounterGroup(profileEvents: spec.profile.counters + spec.extraCounters)
        let model = try ModelRunner.prepareModel(
            path: spec.modelPath, loadOptions: LoadOptions(symbolicDimensions: spec.symbolicDimensions),
            options: SessionOptions(threads: max(1, constraints.cores), integerOnly: constraints.integerOnly))
        let plan = model.session.memoryPlan
        let memory = MemoryReport(plan: plan,
                                  peakRAMBytes: constraints.weightsInFlash ? plan.ramBytesWeightsInFlash : plan.ramBytesWeightsInRAM,
                                  flashBytes: plan.modelWeightBytes,
                                  memoryCapBytes: constraints.memoryCapBytes, flashCapBytes: constraints.flashCapBytes)
        try MemoryFit.check(ramBytes: memory.peakRAMBytes, flashBytes: memory.flashBytes, constraints: constraints, profileName: spec.profile.name)
        progress("load", 1)
        return PreparedJob(spec: spec, model: model, counters: group, memory: memory)
    }

    /// Runs the warm-up and measured runs with counters around each run and node,
    /// then estimates the device's figures.
    public func execute(_ job: PreparedJob, appliedConstraints: [AppliedConstraint] = [], progress: Progress = { _, _ in }) throws -> ProfileResult {
        let spec = job.spec
        let session = job.model.session
        let counts = session.nodeCounts
        let inputs = RandomInputs.make(for: session.inputs, seed: spec.inputSeed)
        let sampler = CounterSampler(group: job.counters, nodeCount: counts.count)
        let total = max(1, spec.warmup + spec.runs)
        for i in 0..<spec.warmup {
            _ = try session.run(inputs)
            progress("warmup", Double(i + 1) / Double(total))
        }
        sampler.reset()
        var samples: [Double] = []
        samples.reserveCapacity(spec.runs)
        for i in 0..<spec.runs {
            let start = monotonicSeconds()
            sampler.beginRun()
            _ = try session.run(inputs, observer: sampler)
            sampler.endRun()
            samples.append(monotonicSeconds() - start)
            progress("run", Double(spec.warmup + i + 1) / Double(total))
        }
        var simulated: Cachegrind.Result?
        var simulationWarning: String?
        if spec.simulate {
            progress("simulate", 0)
            do { simulated = try JobSimulation.run(job) } catch {
                simulationWarning = "simulation under cachegrind not done: \(error)"
            }
            progress("simulate", 1)
        }
        progress("estimate", 0)
        let stats = LatencyStatistics(samples: samples) ?? LatencyStatistics(samples: [0])!
        let host = HostRun(
            runs: spec.runs, warmup: spec.warmup, threads: session.threadCount,
            latencyMean: Figure(stats.mean, "s", .measured), latencyMedian: Figure(stats.median, "s", .measured),
            latencyP90: Figure(stats.p90, "s", .measured), latencyMin: Figure(stats.min, "s", .measured),
            counters: sampler.runTotals(), nodeSeconds: sampler.nodeSeconds(), constraints: appliedConstraints)
        let estimate = JobEstimation.estimate(job: job, host: host, nodeCounters: sampler.nodeReadings(), simulated: simulated)
        let summary = ModelSummary(loaded: job.model.loaded, counts: counts)
        var warnings = appliedConstraints.filter { !$0.applied }.map { "constraint '\($0.name)' (\($0.requested)) not applied: \($0.detail)" }
        warnings += job.counters.unavailable.map { "counter \($0.event) unavailable: \($0.reason)" }
        if let simulationWarning { warnings.append(simulationWarning) }
        progress("estimate", 1)
        return ProfileResult(model: summary, profile: spec.profile.name, device: spec.device.name, memory: job.memory,
                             host: host, estimate: estimate, nodeCounts: counts, warnings: warnings)
    }
}

/// A job whose model is compiled and fits its profile, ready to run.
public struct PreparedJob: @unchecked Sendable {
    public let spec: JobSpec
    public let model: ModelRunner.Prepared
    public let counters: CounterGroup
    public let memory: MemoryReport
}

extension ModelSummary {
    /// Parameters by dtype from the file's constants; MACs from the executed nodes.
    init(loaded: LoadedModel, counts: [NodeCounts]) {
        let inspection = ModelInspection(graph: loaded.graph)
        var macs: [DType: Int64] = [:]
        for node in counts { for (d, n) in node.macs { macs[d, default: 0] += n } }
        self.init(name: loaded.graph.name, sha256: loaded.sha256, fileBytes: loaded.fileBytes,
                  parameters: inspection.parametersByDType.mapValues(\.count),
                  parameterBytes: inspection.parametersByDType.mapValues(\.bytes), macs: macs)
    }
}
