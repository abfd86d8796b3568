// swift-tools-version:6.2
// Picojoule: a profiling daemon for neural-network models under device profiles.
import PackageDescription

import Foundation

// Kernels are written with Swift SIMD types; without a target CPU the compiler
// lowers FMA to a libm call and fp32 runs ~100x slower. `x86-64-v3` is rejected
// by swiftc, so we name the micro-architecture. arm64 hosts use the default.
//
// The build is for the machine it runs on (Picojoule profiles the host it is built
// on): where the CPU has AVX-512 (F, BW, DQ, VL), the kernels are compiled for it and
// `PICOJOULE_AVX512` selects their 512-bit register tiles, since onnxruntime picks its
// AVX-512 kernels at run time and a 256-bit build runs at half its FMA peak there.
// `PICOJOULE_TARGET_CPU=haswell` forces the AVX2 build (any x86-64 since 2013).
#if arch(x86_64)
func hostHasAVX512() -> Bool {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let flags = Set(line.split(separator: " ").map(String.init))
    return ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
}
let targetCPU = ProcessInfo.processInfo.environment["PICOJOULE_TARGET_CPU"]
    ?? (hostHasAVX512() ? "skylake-avx512" : "haswell")
let avx512 = ["skylake-avx512", "cascadelake", "icelake-server", "sapphirerapids", "znver4", "znver5"].contains(targetCPU)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]
    + (avx512 ? [.define("PICOJOULE_AVX512")] : [])
let cpuCFlags: [CSetting] = [.unsafeFlags(["-march=\(targetCPU)", "-mfma", "-mavx2"])]
// CLinux has no CPU flags; it is told what the rest was built for, to refuse other CPUs at start-up.
let buildCPUGuard: [CSetting] = [.define(avx512 ? "CLINUX_BUILD_AVX512" : "CLINUX_BUILD_AVX2")]
#else
let cpuFlags: [SwiftSetting] = []
let cpuCFlags: [CSetting] = []
let buildCPUGuard: [CSetting] = []
#endif

let hot: [SwiftSetting] = cpuFlags + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "Picojoule",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "picojoule", targets: ["picojoule"]),
        .executable(name: "picojouled", targets: ["picojouled"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System shims: perf_event_open, prlimit, CPU_SET, libpfm4 and libnuma headers, and the
        // start-up check that this CPU runs what the kernels were compiled for.
        .target(name: "CLinux", cSettings: buildCPUGuard, linkerSettings: [.linkedLibrary("pfm"), .linkedLibrary("numa")]),
        // Header-only integer SIMD intrinsics for the kernels (vpmaddwd and friends).
        .target(name: "CKernels", cSettings: cpuCFlags),
        .target(name: "Model", dependencies: [
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], swiftSettings: cpuFlags),
        .target(name: "Runtime", dependencies: ["Model", "CKernels"], swiftSettings: hot),
        .target(name: "Device", dependencies: [
            "Model", "CLinux",
            .product(name: "Yams", package: "Yams"),
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: cpuFlags),
        .target(name: "Measure", dependencies: [
            "Model", "Runtime", "Device", "CLinux",
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: cpuFlags),
        // Runs one job (model + profile) end to end; shared by the worker process,
        // `picojoule profile --local` and tests.
        .target(name: "Profiling", dependencies: [
            "Model", "Runtime", "Device", "Measure", "CLinux",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: cpuFlags),
        .target(name: "Store", dependencies: [
            "Profiling",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: cpuFlags),
        // The HTTP API's request and response bodies, shared by the daemon and the client.
        .target(name: "ServiceAPI", dependencies: ["Profiling", "Device"], swiftSettings: cpuFlags),
        .target(name: "Service", dependencies: [
            "Profiling", "Store", "ServiceAPI", "Device", "Measure", "CLinux",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: cpuFlags),
        .target(name: "Client", dependencies: [
            "Profiling", "Measure", "ServiceAPI",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: cpuFlags),
        .executableTarget(name: "picojoule", dependencies: [
            "Model", "Runtime", "Device", "Measure", "Profiling", "Client",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: cpuFlags),
        .executableTarget(name: "picojouled", dependencies: [
            "Service", "Profiling", "Runtime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: cpuFlags),
        .testTarget(name: "ModelTests", dependencies: ["Model"], swiftSettings: cpuFlags),
        .testTarget(name: "RuntimeTests", dependencies: ["Model", "Runtime"], swiftSettings: cpuFlags),
        .testTarget(name: "ConformanceTests", dependencies: ["Model", "Runtime"], swiftSettings: cpuFlags),
        .testTarget(name: "DeviceTests", dependencies: ["Device", "Model"], swiftSettings: cpuFlags),
        .testTarget(name: "MeasureTests", dependencies: ["Measure", "Runtime", "Device", "Model"], swiftSettings: cpuFlags),
        .testTarget(name: "ProfilingTests", dependencies: ["Profiling", "Device"], swiftSettings: cpuFlags),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "ServiceAPI", "Store", "Client", "Profiling"], swiftSettings: cpuFlags),
    ],
    swiftLanguageModes: [.v6]
)
