import Device
import Foundation
import Measure
import Model
import Runtime
import Testing

/// Reports for docs/ACCURACY.md and docs/BENCHMARKS.md. Off by default (they take
/// minutes); they print markdown tables and assert only that the pipeline ran.
///
///     PICOJOULE_ACCURACY=1 PICOJOULE_BIN=.build/release/picojoule \
///       PICOJOULE_MODELS=samples/tinycnn-fp32.onnx,samples/tinycnn-int8.onnx \
///       swift test -c release --skip-build --filter AccuracyReport
///
/// Also: PICOJOULE_ACCURACY_CACHE (keep simulations), PICOJOULE_GEOMETRIES (a subset of
/// MCU-like, phone-like, host), PICOJOULE_ACCURACY_BY_OP=1 (modeled off-chip bytes by op
/// and per node, to set beside cg_annotate), PICOJOULE_RESIDENCY_RULE=1 (no replay).
///     PICOJOULE_BENCHMARK=1 swift test ... --filter CounterOverheadBenchmark
@Suite(.serialized) struct AccuracyReport {
    static let env = ProcessInfo.processInfo.environment
    static var models: [String] {
        (env["PICOJOULE_MODELS"] ?? "samples/tinycnn-fp32.onnx,samples/tinycnn-int8.onnx").split(separator: ",").map(String.init)
    }

    /// The host's own caches from sysfs (L1D and the last level), as a device.
    static func hostDevice() -> DeviceSpec {
        func read(_ index: Int, _ file: String) -> String? {
            (try? String(contentsOfFile: "/sys/devices/system/cpu/cpu0/cache/index\(index)/\(file)", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func size(_ s: String?) -> Int {
            guard let s, let n = Int(s.dropLast()) else { return 32 << 10 }
            return s.hasSuffix("K") ? n << 10 : s.hasSuffix("M") ? n << 20 : Int(s) ?? 32 << 10
        }
        let last = (0...4).last { read($0, "size") != nil } ?? 0
        var device = Fixtures.phone()
        device.name = "host-caches"
        device.memoryLevels[0] = MemoryLevel(name: "L1D", kind: .cache, sizeBytes: size(read(0, "size")), lineBytes: 64,
                                             associativity: Int(read(0, "ways_of_associativity") ?? "8"), bandwidthBytesPerSecond: 2e11, energyPerBytePicojoules: 1)
        device.memoryLevels[1] = MemoryLevel(name: "LLC", kind: .cache, sizeBytes: size(read(last, "size")), lineBytes: 64,
                                             associativity: Int(read(last, "ways_of_associativity") ?? "16"), bandwidthBytesPerSecond: 1e11, energyPerBytePicojoules: 5)
        return device
    }

    /// A simulation is minutes per zoo model and geometry and depends only on the
    /// binary and the model, not on the estimator: with PICOJOULE_ACCURACY_CACHE set,
    /// results are kept there (keyed by model, geometry and the binary's size and
    /// mtime) so that a change to the model of data movement re-runs in seconds.
    static func simulated(model: String, binary: String, geometry: String,
                          _ run: () throws -> Cachegrind.Result) throws -> Cachegrind.Result {
        guard let dir = env["PICOJOULE_ACCURACY_CACHE"] else { return try run() }
        let attributes = try FileManager.default.attributesOfItem(atPath: binary)
        let stamp = "\((attributes[.size] as? Int) ?? 0)-\(Int((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0))"
        let name = "\(URL(fileURLWithPath: model).lastPathComponent)-\(geometry)-\(stamp).json"
        let file = URL(fileURLWithPath: dir).appendingPathComponent(name)
        if let data = try? Data(contentsOf: file), let cached = try? JSONDecoder().decode(Cachegrind.Result.self, from: data) {
            return cached
        }
        let result = try run()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try JSONEncoder().encode(result).write(to: file)
        return result
    }

    @Test(.enabled(if: env["PICOJOULE_ACCURACY"] == "1"))
    func modeledVersusCachegrind() throws {
        let binary = Self.env["PICOJOULE_BIN"] ?? ".build-measure/debug/picojoule"
        let k = Int(Self.env["PICOJOULE_RUNS"] ?? "1") ?? 1
        let only = Self.env["PICOJOULE_GEOMETRIES"].map { Set($0.split(separator: ",").map(String.init)) }
        let devices = [("MCU-like", Fixtures.mcu()), ("phone-like", Fixtures.phone()), ("host", Self.hostDevice())]
            .filter { only?.contains($0.0) ?? true }
        var lines = ["| model | geometry (D1 / LL) | modeled B beyond LL | cachegrind B beyond LL | ratio | difference, % of traffic | agrees |",
                     "|---|---|---|---|---|---|---|"]
        var ratios: [Double] = []
        var agreeing = 0
        for model in Self.models {
            let session = try ModelRunner.prepare(path: model)
            for (label, device) in devices {
                let config = try CachegrindConfiguration.forDevice(device)
                let args = { (runs: Int) in [binary, "run", model, "--runs", "\(runs)", "--warmup", "0", "--threads", "1"] }
                let sim = try Self.simulated(model: model, binary: binary, geometry: label) {
                    try Cachegrind.run(.init(command: args(k + 1), baseline: args(1), inferences: k, configuration: config,
                                             macsPerInference: session.nodeCounts.reduce(0) { $0 + $1.totalMACs }, force: true,
                                             timeoutSeconds: 3000))
                }
                let e = Estimator.estimate(EstimationInput(counts: session.nodeCounts, plan: session.memoryPlan, device: device, simulated: sim,
                                                           trace: Self.env["PICOJOULE_RESIDENCY_RULE"] == "1" ? nil : session.accessTrace))
                let c = try #require(e.comparisons.first { $0.quantity.hasPrefix("data bytes beyond \(config.llLevel)") })
                if Self.env["PICOJOULE_ACCURACY_BY_OP"] == "1" {
                    // Where the modeled off-chip bytes go, to set beside cg_annotate's functions.
                    var byOp: [String: Double] = [:]
                    for node in e.nodes {
                        byOp[node.opType, default: 0] += node.traffic.filter { t in !device.memoryLevels.contains { $0.name == t.level && [.cache, .sram, .tcm].contains($0.kind) } }
                            .reduce(0) { $0 + $1.bytes.value }
                    }
                    print("  modeled beyond LL by op (\(label)): " + byOp.sorted { $0.value > $1.value }.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", "))
                    for (node, accesses) in zip(e.nodes, session.accessTrace).prefix(40) {
                        let off = node.traffic.filter { t in !device.memoryLevels.contains { $0.name == t.level && [.cache, .sram, .tcm].contains($0.kind) } }.reduce(0) { $0 + $1.bytes.value }
                        print("    \(node.opType) \(node.name): beyond LL \(Int(off)); reads \(accesses.reads.map { "\($0.space)@\($0.offset)+\($0.bytes)" }), writes \(accesses.writes.map { "\($0.space)@\($0.offset)+\($0.bytes)" })")
                    }
                }
                let ratio = c.ratio ?? .infinity
                ratios.append(ratio)
                // A ratio of two near-zero counts says nothing (a model that fits the cache:
                // 0 modeled against a few hundred bytes of runtime noise), so the difference
                // is also shown against the bytes the nodes touch; under 1 % of that agrees.
                let traffic = Double(session.nodeCounts.reduce(Int64(0)) { $0 + $1.weightBytesRead + $1.activationBytesRead + $1.bytesWritten })
                let share = abs(c.a.value - c.b.value) / max(traffic, 1)
                let agrees = abs(ratio - 1) <= 0.2 || share < 0.01
                if agrees { agreeing += 1 }
                lines.append("| \(model) | \(label) (\(config.d1.argument) / \(config.ll.argument)) | \(Int(c.a.value)) | \(Int(c.b.value)) | \(ratio.isFinite ? String(format: "%.2f", ratio) : "–") | \(String(format: "%.1f", share * 100)) | \(agrees ? "yes" : "no") |")
                // Each row as it comes: a zoo model takes minutes per geometry under cachegrind.
                print(lines.last!)
                if let out = Self.env["PICOJOULE_ACCURACY_OUT"] { try lines.joined(separator: "\n").write(toFile: out, atomically: true, encoding: .utf8) }
            }
        }
        let within10 = ratios.filter { abs($0 - 1) <= 0.1 }.count, within20 = ratios.filter { abs($0 - 1) <= 0.2 }.count
        lines.append("")
        lines.append("aggregate: \(within10)/\(ratios.count) within ±10 %, \(within20)/\(ratios.count) within ±20 %, \(agreeing)/\(ratios.count) agree (±20 % or under 1 % of traffic)")
        let report = lines.joined(separator: "\n")
        print(report)
        if let out = Self.env["PICOJOULE_ACCURACY_OUT"] { try report.write(toFile: out, atomically: true, encoding: .utf8) }
        #expect(!ratios.isEmpty)
    }
}

@Suite struct CounterOverheadBenchmark {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PICOJOULE_BENCHMARK"] == "1"))
    func perNodeCounterReadingCost() throws {
        let model = AccuracyReport.models.first!
        let group = CounterGroup(profileEvents: [])  // before the session: its threads inherit the counters
        let session = try ModelRunner.prepare(path: model)
        let sampler = CounterSampler(group: group, nodeCount: session.nodeCounts.count)
        let feeds = RandomInputs.make(for: session.inputs, seed: 1)
        let runs = Int(ProcessInfo.processInfo.environment["PICOJOULE_RUNS"] ?? "50") ?? 50
        func timed(_ observe: Bool) throws -> Double {
            var samples: [Double] = []
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                if observe { sampler.beginRun(); _ = try session.run(feeds, observer: sampler); sampler.endRun() } else { _ = try session.run(feeds) }
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return samples.sorted()[samples.count / 2]
        }
        _ = try timed(false); _ = try timed(true)  // warm up
        var plain: [Double] = [], counted: [Double] = []
        for _ in 0..<5 { plain.append(try timed(false)); counted.append(try timed(true)) }
        let p = plain.sorted()[2], c = counted.sorted()[2]
        print("""
        counter overhead: \(model), \(session.nodeCounts.count) nodes, \(group.events.count) counters, \(runs) runs × 5 interleaved rounds
        median per inference without counters \(String(format: "%.4f", p * 1000)) ms, with per-node counters \(String(format: "%.4f", c * 1000)) ms, overhead \(String(format: "%+.2f", (c / p - 1) * 100)) %
        """)
        #expect(p > 0 && c > 0)
    }
}
