import Device
import Model

/// Throughput and energy per MAC/op by dtype on a device.
///
/// Where the work runs: on the accelerator when it lists the dtype, else on the CPU
/// cluster with the highest throughput for it (`cores` cores at most). A dtype the
/// device does not list falls back to a wider one it does (int4/uint8 → int8,
/// float16/bfloat16 → float32). Float work on an integer-only device (the profile
/// says so, or the device lists no float dtype) is never credited float throughput:
/// it is modeled as software floating point at `softFloatCyclesPerMAC` cycles per
/// MAC on one core, and a warning says so.
public struct ComputeModel: Sendable {
    /// Cycles a software-float MAC costs on an integer core (soft-float add + multiply;
    /// libgcc's on Cortex-M0 are tens of cycles each). An assumption, flagged in warnings.
    public static let softFloatCyclesPerMAC = 20.0

    public let device: DeviceSpec
    public let integerOnly: Bool
    public let cores: Int

    public init(device: DeviceSpec, integerOnly: Bool, cores: Int) {
        self.device = device; self.integerOnly = integerOnly; self.cores = max(1, cores)
    }

    /// The dtypes tried for `d`, narrowest first.
    static func fallbacks(_ d: DType) -> [DType] {
        switch d {
        case .int4, .uint4: [d, .int8, .uint8]
        case .uint8: [.uint8, .int8]
        case .int8: [.int8, .uint8]
        case .uint16, .int16: [d, .int16, .int32]
        case .uint32, .int32: [d, .int32]
        case .float16, .bfloat16: [d, .float16, .float32]
        case .float64: [.float64, .float32]
        default: [d]
        }
    }

    /// True when `d` is float work the device may not be credited for.
    public func isUncreditedFloat(_ d: DType) -> Bool {
        guard d.isFloatingPoint else { return false }
        if integerOnly { return true }
        return !ComputeModel.fallbacks(d).contains { device.nativeDTypes.contains($0) }
    }

    /// Sustained MACs per second for `d`, and what runs it ("npu name", "cluster name", "software float").
    public func macsPerSecond(_ d: DType) -> (rate: Double, engine: String, clockHz: Double) {
        let slowest = device.clusters.min { $0.clockHz < $1.clockHz }
        if isUncreditedFloat(d) {
            let clock = device.clusters.map(\.clockHz).max() ?? slowest?.clockHz ?? 1e6
            return (clock / ComputeModel.softFloatCyclesPerMAC, "software float", clock)
        }
        let tried = ComputeModel.fallbacks(d)
        if let npu = device.accelerator, let mpc = tried.lazy.compactMap({ npu.macsPerCycle[$0] }).first, mpc > 0 {
            return (mpc * npu.clockHz * max(npu.utilization, 0.01), npu.name, npu.clockHz)
        }
        var best: (Double, String, Double)? = nil
        for c in device.clusters {
            guard let mpc = tried.lazy.compactMap({ c.macsPerCycle[$0] }).first, mpc > 0 else { continue }
            let rate = mpc * c.clockHz * Double(min(cores, c.cores))
            if best == nil || rate > best!.0 { best = (rate, c.name, c.clockHz) }
        }
        if let b = best { return b }
        // Listed nowhere: one scalar operation per cycle on the fastest core.
        let clock = device.clusters.map(\.clockHz).max() ?? 1e6
        return (clock, "scalar (no MACs/cycle listed for \(d))", clock)
    }

    /// Picojoules per MAC for `d` (falling back as throughput does; software float
    /// costs `softFloatCyclesPerMAC` int32 MACs).
    public func picojoulesPerMAC(_ d: DType) -> Double {
        if isUncreditedFloat(d) {
            let int32 = device.energyPerMAC[.int32] ?? device.energyPerMAC.values.max() ?? 0
            return int32 * ComputeModel.softFloatCyclesPerMAC
        }
        return ComputeModel.fallbacks(d).lazy.compactMap { device.energyPerMAC[$0] }.first
            ?? device.energyPerMAC.values.max() ?? 0
    }

    /// Picojoules per non-MAC op for `d` (half a MAC when the device lists none).
    public func picojoulesPerOp(_ d: DType) -> Double {
        if !isUncreditedFloat(d), let e = ComputeModel.fallbacks(d).lazy.compactMap({ device.energyPerOp[$0] }).first { return e }
        return picojoulesPerMAC(d) / 2
    }

    /// Whether the device file gives no MAC energy for `d` or its fallbacks.
    public func lacksEnergy(_ d: DType) -> Bool {
        !ComputeModel.fallbacks(d).contains { device.energyPerMAC[$0] != nil }
    }
}
