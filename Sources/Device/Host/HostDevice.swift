import Foundation
import Model

/// The `host` device: this machine, read at run time from /proc/cpuinfo, the
/// sysfs cache topology (/sys/devices/system/cpu/cpu0/cache/index*/) and libnuma.
/// Sizes, lines and ways are read; throughput and energy per operation are not
/// observable, so they are estimates from the CPU's SIMD flags and Horowitz's
/// 45 nm table, and their `sources` say so.
public enum HostDevice {
    /// What the host detection read, for `GET /v1/host` and `picojoule devices`.
    public struct Topology: Sendable, Hashable, Codable {
        public var modelName: String
        public var logicalCPUs: Int
        public var allowedCPUs: [Int]
        public var numaNodes: Int?
        public var flags: Set<String>
    }

    /// Builds the host DeviceSpec. `root` prefixes every path, so tests can point it
    /// at a copied /proc and /sys tree.
    public static func detect(root: String = "") -> DeviceSpec {
        let topology = readTopology(root: root)
        var sources: [String: String] = [:]
        let clock = readClock(root: root)
        sources["clusters[0].clock"] = clock.source
        sources["clusters[0].cores"] = "\(root)/proc/cpuinfo: processor entries"
        let (macs, nativeTypes, macSource) = simdThroughput(flags: topology.flags)
        sources["clusters[0].macs_per_cycle"] = macSource
        sources["native_dtypes"] = "\(root)/proc/cpuinfo flags"
        var levels = readCaches(root: root, sources: &sources)
        let dram = readDRAM(root: root, numaNodes: topology.numaNodes)
        let dramKey = "memory[\(levels.count)]"
        levels.append(dram)
        sources["\(dramKey).size"] = "\(root)/proc/meminfo MemTotal"
        sources["\(dramKey).bandwidth"] = "estimate — not measured; 20 GB/s, a dual-channel DDR4 order of magnitude"
        sources["\(dramKey).energy_per_byte"] = "estimate — Horowitz ISSCC 2014: 1.3–2.6 nJ per 64-bit DRAM access, midpoint / 8 bytes"
        sources["energy_per_mac"] = "estimate — Horowitz ISSCC 2014 (45 nm): int8 mult 0.2 + add 0.03 pJ; fp32 mult 3.7 + add 0.9 pJ; fp16 1.1 + 0.4 pJ"
        sources["static_power"] = "estimate — not measured; read RAPL (measured) where the host exposes it"
        sources["numa_nodes"] = topology.numaNodes.map { "libnuma: \($0) configured node(s)" } ?? "libnuma: NUMA not available"
        let cluster = CoreCluster(name: "host", cores: topology.allowedCPUs.count, clockHz: clock.hertz, macsPerCycle: macs)
        return DeviceSpec(
            name: "host",
            description: "This machine: \(topology.modelName), \(topology.allowedCPUs.count) of \(topology.logicalCPUs) CPUs usable, "
                + "\(topology.numaNodes.map { "\($0) NUMA node\($0 == 1 ? "" : "s")" } ?? "no NUMA support")",
            clusters: [cluster], nativeDTypes: nativeTypes, accelerator: nil, memoryLevels: levels,
            energyPerMAC: [.int8: 0.23, .uint8: 0.23, .int16: 0.6, .float16: 1.5, .float32: 4.6, .int32: 3.2],
            energyPerOp: [:], staticPowerWatts: 10, activePowerWattsPerMHz: nil, sources: sources)
    }

    /// CPU model, counts and flags from /proc/cpuinfo, the affinity mask and libnuma.
    public static func readTopology(root: String = "") -> Topology {
        let text = (try? String(contentsOfFile: "\(root)/proc/cpuinfo", encoding: .utf8)) ?? ""
        var model = "unknown CPU", count = 0
        var flags: Set<String> = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "processor": count += 1
            case "model name", "Model": model = parts[1]
            case "flags", "Features": if flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
            default: break
            }
        }
        let allowed = root.isEmpty ? ((try? system_sched_getaffinity(pid: 0).get()) ?? Array(0..<max(count, 1))) : Array(0..<max(count, 1))
        return Topology(modelName: model, logicalCPUs: max(count, 1), allowedCPUs: allowed,
                        numaNodes: root.isEmpty ? system_numa_nodes() : nil, flags: flags)
    }

    /// cpufreq's maximum where the kernel exposes it (not on most VMs), else the
    /// "cpu MHz" of /proc/cpuinfo, which is the current, not the peak, clock.
    static func readClock(root: String) -> (hertz: Double, source: String) {
        let maxPath = "\(root)/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"
        if let text = try? String(contentsOfFile: maxPath, encoding: .utf8), let khz = Double(text.trimmingWhitespace()) {
            return (khz * 1000, maxPath)
        }
        let text = (try? String(contentsOfFile: "\(root)/proc/cpuinfo", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("cpu MHz") {
            if let mhz = line.split(separator: ":").last.flatMap({ Double($0.trimmingWhitespace()) }) {
                return (mhz * 1e6, "\(root)/proc/cpuinfo 'cpu MHz' (current clock; no cpufreq on this host)")
            }
        }
        return (2e9, "estimate — no clock readable; 2 GHz assumed")
    }

    /// Peak MACs per cycle per core from the SIMD flags: two FMA pipes of 8 fp32
    /// lanes with AVX2+FMA; int8 widened to int16 and multiplied by `vpmaddwd`
    /// (16 pairs, two ports); AVX-512 doubles the lanes, VNNI adds int8 dot products.
    static func simdThroughput(flags: Set<String>) -> ([DType: Double], Set<DType>, String) {
        var native: Set<DType> = [.float32, .float64, .int8, .uint8, .int16, .int32, .int64]
        if flags.contains("avx512fp16") || flags.contains("fphp") || flags.contains("asimdhp") { native.insert(.float16) }
        if flags.contains("avx512f") {
            let int8: Double = flags.contains("avx512_vnni") ? 128 : 64
            return ([.float32: 32, .float64: 16, .int8: int8, .uint8: int8, .int16: 64],
                    native, "estimate — AVX-512 flags in /proc/cpuinfo: 2 × 16 fp32 FMA lanes per cycle\(int8 == 128 ? ", VNNI" : "")")
        }
        if flags.contains("avx2") && flags.contains("fma") {
            return ([.float32: 16, .float64: 8, .int8: 32, .uint8: 32, .int16: 32],
                    native, "estimate — avx2+fma in /proc/cpuinfo: 2 × 8 fp32 FMA lanes, vpmaddwd 2 × 16 int16 MACs per cycle")
        }
        if flags.contains("asimd") || flags.contains("neon") {
            let dot = flags.contains("asimddp")
            return ([.float32: 8, .float64: 4, .int8: dot ? 32 : 16, .uint8: dot ? 32 : 16, .int16: 16],
                    native, "estimate — Neon\(dot ? " with SDOT" : "") in /proc/cpuinfo Features: 2 × 128-bit pipes")
        }
        return ([.float32: 4, .int8: 8, .int16: 8], native, "estimate — SSE-class SIMD assumed (no AVX2/FMA flags)")
    }

    /// Data and unified caches of cpu0, innermost first.
    static func readCaches(root: String, sources: inout [String: String]) -> [MemoryLevel] {
        let base = "\(root)/sys/devices/system/cpu/cpu0/cache"
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).filter { $0.hasPrefix("index") }.sorted()
        var levels: [(Int, MemoryLevel)] = []
        for entry in entries {
            func read(_ name: String) -> String? {
                (try? String(contentsOfFile: "\(base)/\(entry)/\(name)", encoding: .utf8))?.trimmingWhitespace()
            }
            guard let type = read("type"), type != "Instruction", let levelText = read("level"), let level = Int(levelText),
                  let sizeText = read("size"), let size = try? Quantity.parse(sizeText.replacingOccurrences(of: "K", with: "KiB")
                    .replacingOccurrences(of: "M", with: "MiB"), as: .bytes) else { continue }
            let line = read("coherency_line_size").flatMap(Int.init) ?? 64
            let ways = read("ways_of_associativity").flatMap(Int.init)
            let name = "L\(level)"
            // Horowitz 45 nm: 64-bit reads cost 10 pJ (8 KB), 20 pJ (32 KB), 100 pJ (1 MB).
            let energy: Double = size.value <= 64 * 1024 ? 2.5 : (size.value <= 2 * 1024 * 1024 ? 12.5 : 25)
            let bandwidth: Double = level == 1 ? 200e9 : (level == 2 ? 100e9 : 50e9)
            levels.append((level, MemoryLevel(name: name, kind: .cache, sizeBytes: Int(size.value), lineBytes: line,
                                              associativity: ways, bandwidthBytesPerSecond: bandwidth, energyPerBytePicojoules: energy)))
        }
        let sorted = levels.sorted { $0.0 < $1.0 }.map(\.1)
        for (index, level) in sorted.enumerated() {
            sources["memory[\(index)].size"] = "\(base)/index*/size (\(level.name))"
            sources["memory[\(index)].line"] = "\(base)/index*/coherency_line_size"
            sources["memory[\(index)].associativity"] = "\(base)/index*/ways_of_associativity"
            sources["memory[\(index)].bandwidth"] = "estimate — not measured; typical per-core \(level.name) bandwidth on x86 servers"
            sources["memory[\(index)].energy_per_byte"] = "estimate — Horowitz ISSCC 2014 cache read energy (45 nm) by size, per byte"
        }
        return sorted
    }

    static func readDRAM(root: String, numaNodes: Int?) -> MemoryLevel {
        let text = (try? String(contentsOfFile: "\(root)/proc/meminfo", encoding: .utf8)) ?? ""
        let kib = text.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }?
            .split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return MemoryLevel(name: "dram", kind: .dram, sizeBytes: kib * 1024, lineBytes: 64, associativity: nil,
                           bandwidthBytesPerSecond: 20e9, energyPerBytePicojoules: 240)
    }
}
