import Device
import Runtime

extension MemoryFit {
    /// Checks the planner's summary against the profile's caps before the model
    /// runs: "needs 1.9 MiB of RAM, profile mcu-m7 allows 512 KiB".
    public static func check(plan: MemoryPlanSummary, constraints: Constraints, profileName: String) throws(MemoryFitError) {
        try check(arenaBytes: plan.arenaBytes, ioBytes: plan.ioBytes, scratchBytes: plan.scratchBytes, weightBytes: plan.weightBytes,
                  modelWeightBytes: plan.modelWeightBytes, constraints: constraints, profileName: profileName)
    }
}
