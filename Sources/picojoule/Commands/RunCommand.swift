import ArgumentParser
import Foundation
import Model
import Profiling
import Runtime

/// `picojoule run MODEL`: run a model on this host and report latency statistics.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model on this host: latency statistics, outputs as .npy.")

    @Argument(help: "Path of an ONNX model.") var model: String
    @Option(name: .customLong("input"), help: "NAME=FILE.npy for a graph input (repeatable); missing inputs get seeded random data.") var inputs: [String] = []
    @Option(help: "Threads in the session's pool.") var threads = 1
    @Option(help: "Timed runs.") var runs = 10
    @Option(help: "Untimed warm-up runs.") var warmup = 2
    @Option(help: "Seed for generated inputs.") var seed: UInt64 = 42
    @Option(help: "Directory to write each output as NAME.npy.") var output: String?
    @Option(name: .customLong("dim"), help: "Bind a symbolic dimension, NAME=VALUE (repeatable; default 1).") var dims: [String] = []
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative") }
    }

    func run() async throws {
        let prepareStart = monotonicSeconds()
        let prepared = try ModelRunner.prepareModel(path: model, loadOptions: LoadOptions(symbolicDimensions: try parseBindings(dims)),
                                                    options: SessionOptions(threads: threads))
        let prepareSeconds = monotonicSeconds() - prepareStart
        let session = prepared.session
        var feeds = RandomInputs.make(for: session.inputs, seed: seed)
        for item in inputs {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--input expects NAME=FILE.npy, got '\(item)'") }
            feeds[parts[0]] = try NPYFile.read(path: parts[1])
        }
        var outputs: [String: Tensor] = [:]
        for _ in 0..<warmup { outputs = try session.run(feeds) }
        var samples: [Double] = []
        samples.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = monotonicSeconds()
            outputs = try session.run(feeds)
            samples.append(monotonicSeconds() - start)
        }
        if let output {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for (name, tensor) in outputs {
                let safe = name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" }
                try NPYFile.write(tensor, path: "\(output)/\(String(safe)).npy")
            }
        }
        let stats = LatencyStatistics(samples: samples)!
        let report = RunReport(model: model, threads: threads, warmup: warmup, prepareMs: prepareSeconds * 1000,
                               latency: .init(stats, samples: samples),
                               outputs: session.outputs.map { .init(name: $0.name, dtype: $0.type.dtype, shape: $0.type.shape) })
        if json {
            print(try jsonString(report))
        } else {
            print(report.text)
        }
    }
}

/// What `run --json` prints. Latencies are host wall time, so their source is "measured".
struct RunReport: Encodable {
    struct Latency: Encodable {
        var source = "measured"
        var runs: Int
        var median_ms: Double
        var mean_ms: Double
        var p90_ms: Double
        var min_ms: Double
        var max_ms: Double
        var stddev_ms: Double
        var runs_ms: [Double]
        init(_ s: LatencyStatistics, samples: [Double]) {
            runs = s.count; median_ms = s.median * 1000; mean_ms = s.mean * 1000; p90_ms = s.p90 * 1000
            min_ms = s.min * 1000; max_ms = s.max * 1000; stddev_ms = s.standardDeviation * 1000
            runs_ms = samples.map { $0 * 1000 }
        }
    }
    struct Output: Encodable { var name: String; var dtype: DType; var shape: [Int] }
    var model: String
    var threads: Int
    var warmup: Int
    var prepareMs: Double
    var latency: Latency
    var outputs: [Output]

    var text: String {
        let f = { (v: Double) in String(format: "%.3f", v) }
        var lines = ["\(model): \(latency.runs) runs, \(threads) thread(s), \(warmup) warm-up (measured on this host)"]
        lines.append("  latency ms  median \(f(latency.median_ms))  mean \(f(latency.mean_ms))  p90 \(f(latency.p90_ms))  min \(f(latency.min_ms))  max \(f(latency.max_ms))  sd \(f(latency.stddev_ms))")
        lines.append("  prepare ms  \(f(prepareMs)) (load, optimize, pack weights, plan)")
        for o in outputs { lines.append("  output \(o.name): \(o.dtype) \(o.shape)") }
        return lines.joined(separator: "\n")
    }
}
