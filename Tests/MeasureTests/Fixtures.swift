import Device
import Measure
import Model
import Runtime

/// Hand-built devices and node counts (figures are test values, not device facts).
enum Fixtures {
    /// A Cortex-M4-like MCU: 128 KiB SRAM, 512 KiB flash, int8 SIMD, a scalar FPU.
    static func mcu(nativeFloat: Bool = true) -> DeviceSpec {
        DeviceSpec(
            name: "test-mcu", description: "test MCU",
            clusters: [CoreCluster(name: "m4", cores: 1, clockHz: 180e6, macsPerCycle: [.int8: 2, .float32: 1])],
            nativeDTypes: nativeFloat ? [.int8, .int32, .float32] : [.int8, .int32], accelerator: nil,
            memoryLevels: [
                MemoryLevel(name: "SRAM", kind: .sram, sizeBytes: 128 << 10, lineBytes: 32, associativity: nil,
                            bandwidthBytesPerSecond: 720e6, energyPerBytePicojoules: 2.5),
                MemoryLevel(name: "flash", kind: .flash, sizeBytes: 512 << 10, lineBytes: 16, associativity: nil,
                            bandwidthBytesPerSecond: 100e6, energyPerBytePicojoules: 20),
            ],
            energyPerMAC: [.int8: 0.23, .int32: 3.2, .float32: 4.6], energyPerOp: [:],
            staticPowerWatts: 0.01, activePowerWattsPerMHz: 0.0004, sources: [:])
    }

    /// A phone-like CPU: 64 KiB L1, 2 MiB L2, DRAM.
    static func phone() -> DeviceSpec {
        DeviceSpec(
            name: "test-phone", description: "test phone",
            clusters: [CoreCluster(name: "big", cores: 4, clockHz: 2.4e9, macsPerCycle: [.int8: 32, .float32: 8, .float16: 16])],
            nativeDTypes: [.int8, .int32, .float16, .float32], accelerator: nil,
            memoryLevels: [
                MemoryLevel(name: "L1", kind: .cache, sizeBytes: 64 << 10, lineBytes: 64, associativity: 4,
                            bandwidthBytesPerSecond: 200e9, energyPerBytePicojoules: 1),
                MemoryLevel(name: "L2", kind: .cache, sizeBytes: 2 << 20, lineBytes: 64, associativity: 8,
                            bandwidthBytesPerSecond: 80e9, energyPerBytePicojoules: 5),
                MemoryLevel(name: "DRAM", kind: .dram, sizeBytes: 8 << 30, lineBytes: 64, associativity: nil,
                            bandwidthBytesPerSecond: 17e9, energyPerBytePicojoules: 80),
            ],
            energyPerMAC: [.int8: 0.1, .float32: 1.5, .float16: 0.6], energyPerOp: [:],
            staticPowerWatts: 0.5, activePowerWattsPerMHz: nil, sources: [:])
    }

    /// A 3×3 conv, 16 → 16 channels on 24×24, in fp32 or int8 (int32 accumulation).
    static func conv(_ type: DType) -> NodeCounts {
        let macs: Int64 = 24 * 24 * 16 * 16 * 9
        let bytes = Int64(type.bitWidth / 8)
        return NodeCounts(index: 0, name: "conv1", opType: type == .int8 ? "QLinearConv" : "Conv", computeType: type,
                          inputTypes: [type, type], outputTypes: [type], macs: [type: macs],
                          ops: type == .int8 ? [.int32: 24 * 24 * 16] : [.float32: 24 * 24 * 16],
                          weightBytesRead: 16 * 16 * 9 * bytes, activationBytesRead: 24 * 24 * 16 * bytes,
                          bytesWritten: 24 * 24 * 16 * bytes)
    }

    static func plan(for node: NodeCounts) -> MemoryPlanSummary {
        MemoryPlanSummary(arenaBytes: Int(node.bytesWritten), lowerBoundBytes: Int(node.bytesWritten),
                          weightBytes: Int(node.weightBytesRead), modelWeightBytes: Int(node.weightBytesRead),
                          ioBytes: Int(node.activationBytesRead), scratchBytes: 0)
    }
}
