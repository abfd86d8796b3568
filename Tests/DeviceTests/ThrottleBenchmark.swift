import Device
import Foundation
import Testing

/// A benchmark, not a test: the duty-cycle throttle on a CPU-bound child, wall
/// time at 50 % and 25 % share against 100 %. Runs only with PICOJOULE_BENCHMARK=1
/// (`swift test --filter ThrottleBenchmark`); results go to docs/BENCHMARKS.md.
/// The child runs at nice -20 so other tenants of a shared machine dilute the
/// measurement less; rounds are interleaved and the median is reported.
@Suite struct ThrottleBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["PICOJOULE_BENCHMARK"] != nil

    /// Wall seconds for a fixed CPU-bound loop under `share`.
    static func wallSeconds(share: Double) throws -> Double {
        let child = try ProcessConstraintsTests.PausedChild("exec nice -n -20 awk 'BEGIN { for (i = 0; i < 2e7; i++) s += i }'")
        let applied = ProcessConstraints.apply(Constraints(cores: 1, cpuShare: share), overheadBytes: 0, pid: child.pid)
        let start = ContinuousClock.now
        let status = try child.release().status
        let elapsed = ContinuousClock.now - start
        applied.throttle?.stop()
        #expect(status == 0)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test(.enabled(if: enabled)) func wallTimeScalesWithShare() throws {
        let shares = [1.0, 0.5, 0.25]
        var samples: [Double: [Double]] = [:]
        for _ in 0..<5 { for share in shares { samples[share, default: []].append(try Self.wallSeconds(share: share)) } }
        let median = samples.mapValues { $0.sorted()[$0.count / 2] }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first ?? "?"
        print("| share | median wall (s) | ratio to 100 % | ideal |")
        print("|---|---|---|---|")
        for share in shares {
            let ratio = median[share]! / median[1.0]!
            print("| \(Int(share * 100)) % | \(String(format: "%.3f", median[share]!)) | \(String(format: "%.2f", ratio)) | \(String(format: "%.2f", 1 / share)) |")
        }
        print("load average during the run: \(load); samples: \(samples.sorted { $0.key > $1.key }.map { "\($0.key): \($0.value.map { String(format: "%.2f", $0) })" })")
        #expect(median[0.25]! > median[0.5]!)
        #expect(median[0.5]! > median[1.0]!)
    }
}
