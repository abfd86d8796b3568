import Device
import Model
import Runtime

/// The modeled estimate: energy, data movement per level and latency per node,
/// summed, with the simulated and measured figures beside the modeled ones.
///
/// Per node (docs/ESTIMATION.md):
/// - compute time = Σ_dtype (MACs + ops) / MACs-per-second(dtype)
/// - memory time at level L = bytes served by L / bandwidth(L)
/// - latency = max(compute time, every level's memory time) — the roofline bound
/// - energy = Σ MACs × pJ/MAC + Σ ops × pJ/op + Σ_L bytes × pJ/B(L) + P_time × latency,
///   where P_time = static power + active power per MHz × clock × cores
///   (time-proportional power, reported as the `static` term).
public enum Estimator {
    /// Builds the estimate. Never throws: what it had to assume goes to `warnings`.
    public static func estimate(_ input: EstimationInput) -> Estimate {
        let device = input.device
        let movement = DataMovementModel(device: device, plan: input.plan, weightsInFlash: input.weightsInFlash,
                                         trace: input.trace, nodeIndices: input.counts.map(\.index))
        let compute = ComputeModel(device: device, integerOnly: input.integerOnly, cores: input.cores)
        let timePower = timeProportionalPower(device, cores: input.cores)
        var warnings: [String] = []
        var nodes: [NodeEstimate] = []
        var levelBytes = [Double](repeating: 0, count: device.memoryLevels.count)
        var totalMACs: [DType: Int64] = [:]
        var uncredited: Int64 = 0
        var missingEnergy: Set<DType> = []

        for (i, node) in input.counts.enumerated() {
            var computeSeconds = 0.0, computeJoules = 0.0
            for (d, n) in node.macs where n > 0 {
                computeSeconds += Double(n) / compute.macsPerSecond(d).rate
                computeJoules += Double(n) * compute.picojoulesPerMAC(d) * 1e-12
                totalMACs[d, default: 0] += n
                if compute.isUncreditedFloat(d) { uncredited += n }
                if compute.lacksEnergy(d) { missingEnergy.insert(d) }
            }
            for (d, n) in node.ops where n > 0 {
                computeSeconds += Double(n) / compute.macsPerSecond(d).rate
                computeJoules += Double(n) * compute.picojoulesPerOp(d) * 1e-12
            }
            let bytes = movement.bytes(for: node)
            var latency = computeSeconds, bound = "compute"
            var moveJoules = 0.0
            var traffic: [LevelTraffic] = []
            for (l, level) in device.memoryLevels.enumerated() {
                levelBytes[l] += bytes[l]
                let joules = bytes[l] * level.energyPerBytePicojoules * 1e-12
                moveJoules += joules
                if bytes[l] > 0 {
                    traffic.append(LevelTraffic(level: level.name, bytes: Figure(bytes[l], "B", .modeled), energy: Figure(joules, "J", .modeled)))
                    let t = bytes[l] / max(level.bandwidthBytesPerSecond, 1)
                    if t > latency { latency = t; bound = level.name }
                }
            }
            let staticJoules = timePower * latency
            nodes.append(NodeEstimate(
                index: node.index, name: node.name, opType: node.opType,
                energy: Figure(computeJoules + moveJoules + staticJoules, "J", .modeled),
                energyCompute: Figure(computeJoules, "J", .modeled), energyDataMovement: Figure(moveJoules, "J", .modeled),
                energyStatic: Figure(staticJoules, "J", .modeled), latency: Figure(latency, "s", .modeled), boundBy: bound,
                traffic: traffic, macs: node.macs,
                hostSeconds: input.hostNodeSeconds.flatMap { i < $0.count ? Figure($0[i], "s", .measured) : nil },
                hostCounters: input.hostNodeCounters.flatMap { i < $0.count ? $0[i] : nil } ?? []))
        }

        if uncredited > 0 {
            let why = input.integerOnly ? "the profile is integer-only" : "\(device.name) computes no float natively"
            warnings.append("\(uncredited) float MACs are not credited float throughput (\(why)); modeled as software float at \(Int(ComputeModel.softFloatCyclesPerMAC)) cycles/MAC — quantize the model to run it on this device")
        }
        for d in missingEnergy.sorted(by: { $0.rawValue < $1.rawValue }) {
            warnings.append("\(device.name) gives no energy per MAC for \(d.rawValue) or a wider type; the largest listed value was used")
        }
        warnings += movement.notes.map { "data movement: \($0)" }

        let eCompute = nodes.reduce(0) { $0 + $1.energyCompute.value }
        let eMove = nodes.reduce(0) { $0 + $1.energyDataMovement.value }
        let eStatic = nodes.reduce(0) { $0 + $1.energyStatic.value }
        let latency = nodes.reduce(0) { $0 + $1.latency.value }
        let terms = [("compute", eCompute), ("data movement", eMove), ("static", eStatic)]
        let dominant = terms.max { $0.1 < $1.1 }?.0 ?? "compute"
        let traffic = device.memoryLevels.enumerated().map { l, level in
            LevelTraffic(level: level.name, bytes: Figure(levelBytes[l], "B", .modeled),
                         energy: Figure(levelBytes[l] * level.energyPerBytePicojoules * 1e-12, "J", .modeled))
        }
        return Estimate(
            energy: Figure(eCompute + eMove + eStatic, "J", .modeled), energyCompute: Figure(eCompute, "J", .modeled),
            energyDataMovement: Figure(eMove, "J", .modeled), energyStatic: Figure(eStatic, "J", .modeled),
            dominantTerm: dominant, latency: Figure(latency, "s", .modeled), traffic: traffic, nodes: nodes,
            comparisons: comparisons(input, latency: latency, movement: movement), macs: totalMACs, warnings: warnings)
    }

    /// Static power plus active core power (per MHz × clock × cores used), watts.
    static func timeProportionalPower(_ device: DeviceSpec, cores: Int) -> Double {
        guard let perMHz = device.activePowerWattsPerMHz, let cluster = device.clusters.max(by: { $0.clockHz < $1.clockHz }) else {
            return device.staticPowerWatts
        }
        return device.staticPowerWatts + perMHz * cluster.clockHz / 1e6 * Double(min(max(cores, 1), cluster.cores))
    }
}
