import Measure
import Runtime

/// Turns a finished run into the device estimate: the runtime's exact counts and
/// the memory plan through the device model, compared with what the host measured.
enum JobEstimation {
    static func estimate(job: PreparedJob, host: HostRun, nodeCounters: [[CounterReading]], simulated: Cachegrind.Result? = nil) -> Estimate {
        let constraints = job.spec.profile.constraints
        let input = EstimationInput(
            counts: job.model.session.nodeCounts, plan: job.model.session.memoryPlan, device: job.spec.device,
            weightsInFlash: constraints.weightsInFlash, integerOnly: constraints.integerOnly, cores: constraints.cores,
            hostNodeSeconds: host.nodeSeconds, hostNodeCounters: nodeCounters, hostCounters: host.counters,
            hostLatency: host.latencyMedian, simulated: simulated, trace: job.model.session.accessTrace)
        return Estimator.estimate(input)
    }
}
