import Device
import Foundation
import Measure
import Runtime

/// The simulated source: the same model run under cachegrind with the device's
/// cache geometry, by the `picojoule run` command (one thread, fixed seed), with a
/// one-inference baseline subtracted so that loading and packing do not count.
enum JobSimulation {
    /// Simulated inferences on top of the baseline's one.
    static let inferences = 2

    static func run(_ job: PreparedJob) throws -> Cachegrind.Result {
        let spec = job.spec
        let configuration = try CachegrindConfiguration.forDevice(spec.device)
        let exe = try runnerExecutable()
        func argv(_ runs: Int) -> [String] {
            var a = [exe, "run", spec.modelPath, "--runs", String(runs), "--warmup", "0", "--threads", "1", "--seed", String(spec.inputSeed)]
            for (name, value) in spec.symbolicDimensions.sorted(by: { $0.key < $1.key }) { a += ["--dim", "\(name)=\(value)"] }
            return a
        }
        let macs = job.model.session.nodeCounts.reduce(Int64(0)) { $0 + $1.macs.values.reduce(0, +) }
        return try Cachegrind.run(.init(command: argv(1 + inferences), baseline: argv(1), inferences: inferences,
                                        configuration: configuration, macsPerInference: macs))
    }

    /// `picojoule` beside the running binary (the worker may be `picojouled`), else this
    /// binary. An AVX-512 build runs `picojoule-sim` instead, its AVX2 twin (valgrind
    /// has no AVX-512): the same code with 256-bit tiles, so the simulated traffic is
    /// that of the AVX2 kernels, which walk the same operands in the same order.
    static func runnerExecutable() throws(CachegrindError) -> String {
        let own = DeviceCatalog.currentExecutable()
        let dir = URL(fileURLWithPath: own).deletingLastPathComponent()
        if KernelTarget.usesAVX512 {
            let twin = dir.appendingPathComponent(simulationExecutableName).path
            guard FileManager.default.isExecutableFile(atPath: twin) else { throw .noAVX2Build(expected: twin) }
            return twin
        }
        let sibling = dir.appendingPathComponent("picojoule").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : own
    }

    /// The AVX2 build's name beside an AVX-512 build (scripts/build.sh).
    static let simulationExecutableName = "picojoule-sim"
}
