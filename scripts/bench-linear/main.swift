import Model
import Runtime
import Foundation
import Glibc

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}


struct Serial: ThreadPool {
    var threadCount: Int { 1 }
    func parallelFor(_ count: Int, _ body: (Int) -> Void) { for i in 0..<count { body(i) } }
}

func randomTensor(_ shape: [Int]) -> Tensor {
    var g = SystemRandomNumberGenerator()
    return Tensor(floats: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &g) }, shape: shape)
}

func bench(_ name: String, op: String, attrs: [String: Attribute], inputs: [Tensor], constant: [Bool], out: [Int], flops: Double) {
    let node = Node(name: name, opType: op, inputs: inputs.indices.map { "i\($0)" }, outputs: ["y"], attributes: attrs)
    let sig = KernelSignature(node: node, inputTypes: inputs.map { TensorType(dtype: .float32, shape: $0.shape) },
                              outputTypes: [TensorType(dtype: .float32, shape: out)],
                              constants: zip(inputs, constant).map { $1 ? $0 : nil }, options: SessionOptions(threads: 1), opset: 17)
    let prepared = try! KernelRegistry.standard.factory(for: KernelKey(op, dtype: .float32))!(sig)
    let y = Tensor(dtype: .float32, shape: out)
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(prepared.scratchBytes, 64), alignment: 64)
    let ins: [UnsafeRawPointer?] = inputs.map { UnsafeRawPointer($0.storage.bytes) }
    let outs: [UnsafeMutableRawPointer] = [y.storage.bytes]
    ins.withUnsafeBufferPointer { ib in
        outs.withUnsafeBufferPointer { ob in
            let ctx = KernelContext(inputs: ib, outputs: ob, scratch: scratch, pool: Serial())
            prepared.kernel.run(ctx)
            var best = Double.infinity, bestCPU = Double.infinity
            if coldCaches {
                // Each run starts with the caches full of other data, as a conv in a
                // model finds them: the time excludes the flush.
                for _ in 0..<7 {
                    var total = 0.0, reps = 0
                    repeat {
                        flush.update(repeating: UInt8(truncatingIfNeeded: reps), count: flushBytes)
                        if warmActivations {
                            var sum: Float = 0
                            for t in inputs.prefix(1) { for i in stride(from: 0, to: t.storage.count / 4, by: 16) { sum += t.storage.bytes.load(fromByteOffset: i * 4, as: Float.self) } }
                            y.storage.bytes.initializeMemory(as: UInt8.self, repeating: sum == 1e30 ? 1 : 0, count: y.storage.count)
                            if warmScratch { scratch.initializeMemory(as: UInt8.self, repeating: 0, count: prepared.scratchBytes) }
                        }
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        prepared.kernel.run(ctx)
                        total += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                        reps += 1
                    } while total < 0.2
                    best = min(best, total / Double(reps))
                }
                print("\(name) (cold caches): wall \(String(format: "%.3f", best * 1e3)) ms = \(String(format: "%.1f", flops / best / 1e9)) GFLOP/s")
                return
            }
            for _ in 0..<7 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let c0 = cpuSeconds()
                var reps = 0
                repeat { prepared.kernel.run(ctx); reps += 1 } while DispatchTime.now().uptimeNanoseconds - t0 < 200_000_000
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(reps))
                bestCPU = min(bestCPU, (cpuSeconds() - c0) / Double(reps))
            }
            print("\(name): wall \(String(format: "%.3f", best * 1e3)) ms = \(String(format: "%.1f", flops / best / 1e9)) GFLOP/s; thread CPU \(String(format: "%.3f", bestCPU * 1e3)) ms = \(String(format: "%.1f", flops / bestCPU / 1e9)) GFLOP/s")
        }
    }
}

nonisolated(unsafe) let flushBytes = 32 << 20
nonisolated(unsafe) let flush = UnsafeMutablePointer<UInt8>.allocate(capacity: flushBytes)
nonisolated(unsafe) let warmScratch = CommandLine.arguments.contains("--cold-weights-only")
nonisolated(unsafe) let warmActivations = warmScratch || CommandLine.arguments.contains("--cold-weights")
nonisolated(unsafe) let coldCaches = warmActivations || CommandLine.arguments.contains("--cold")
let args = CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("--") }
let which = Set(args)
func want(_ s: String) -> Bool { which.isEmpty || which.contains(s) }
if want("gemm") {
    for s in [64, 128, 256, 512, 1024] {
        bench("Gemm \(s)^3 (B const)", op: "Gemm", attrs: [:], inputs: [randomTensor([s, s]), randomTensor([s, s])], constant: [false, true], out: [s, s], flops: 2 * Double(s * s * s))
    }
    bench("MatMul 512^3 (B dynamic)", op: "MatMul", attrs: [:], inputs: [randomTensor([512, 512]), randomTensor([512, 512])], constant: [false, false], out: [512, 512], flops: 2 * 512 * 512 * 512)
}
if want("conv") {
    func conv(_ name: String, c: Int, m: Int, hw: Int, k: Int, s: Int, group: Int = 1) {
        let pad = k / 2
        let o = (hw + 2 * pad - k) / s + 1
        bench(name, op: "Conv", attrs: ["pads": .ints([pad, pad, pad, pad]), "strides": .ints([s, s]), "group": .int(group)],
              inputs: [randomTensor([1, c, hw, hw]), randomTensor([m, c / group, k, k]), randomTensor([m])], constant: [false, true, true],
              out: [1, m, o, o], flops: 2 * Double(m * o * o * (c / group) * k * k))
    }
    conv("Conv 56x56 64->64 3x3", c: 64, m: 64, hw: 56, k: 3, s: 1)
    conv("Conv 56x56 64->256 1x1", c: 64, m: 256, hw: 56, k: 1, s: 1)
    conv("Conv 28x28 128->128 3x3", c: 128, m: 128, hw: 28, k: 3, s: 1)
    conv("Conv 224 3->64 7x7 s2", c: 3, m: 64, hw: 224, k: 7, s: 2)
    conv("DWConv 112x112 32 3x3", c: 32, m: 32, hw: 112, k: 3, s: 1, group: 32)
    conv("DWConv 112x112 64 3x3 s2", c: 64, m: 64, hw: 112, k: 3, s: 2, group: 64)
}
if want("resnet") {
    // ResNet-50's heaviest conv shapes (see the per-node profile in docs/BENCHMARKS.md).
    func conv(_ name: String, c: Int, m: Int, hw: Int, k: Int, s: Int) {
        let pad = k / 2
        let o = (hw + 2 * pad - k) / s + 1
        bench(name, op: "Conv", attrs: ["pads": .ints([pad, pad, pad, pad]), "strides": .ints([s, s])],
              inputs: [randomTensor([1, c, hw, hw]), randomTensor([m, c, k, k]), randomTensor([m])], constant: [false, true, true],
              out: [1, m, o, o], flops: 2 * Double(m * o * o * c * k * k))
    }
    conv("Conv 14x14 256->256 3x3", c: 256, m: 256, hw: 14, k: 3, s: 1)
    conv("Conv 7x7 512->512 3x3", c: 512, m: 512, hw: 7, k: 3, s: 1)
    conv("Conv 56x56 64->256 1x1", c: 64, m: 256, hw: 56, k: 1, s: 1)
    conv("Conv 56x56 256->64 1x1", c: 256, m: 64, hw: 56, k: 1, s: 1)
    conv("Conv 28x28 512->128 1x1", c: 512, m: 128, hw: 28, k: 1, s: 1)
    conv("Conv 14x14 1024->256 1x1", c: 1024, m: 256, hw: 14, k: 1, s: 1)
    conv("Conv 7x7 2048->512 1x1", c: 2048, m: 512, hw: 7, k: 1, s: 1)
}
if want("squeezenet") {
    // SqueezeNet 1.1's conv shapes: the unpadded stride-2 first conv, a fire module's
    // squeeze and expand pair at 55², and the 13² classifier conv (a plain GEMM, 169 columns).
    func conv(_ name: String, c: Int, m: Int, hw: Int, k: Int, s: Int, pad: Int) {
        let o = (hw + 2 * pad - k) / s + 1
        bench(name, op: "Conv", attrs: ["pads": .ints([pad, pad, pad, pad]), "strides": .ints([s, s])],
              inputs: [randomTensor([1, c, hw, hw]), randomTensor([m, c, k, k]), randomTensor([m])], constant: [false, true, true],
              out: [1, m, o, o], flops: 2 * Double(m * o * o * c * k * k))
    }
    conv("Conv 224 3->64 3x3 s2", c: 3, m: 64, hw: 224, k: 3, s: 2, pad: 0)
    conv("Conv 55x55 64->16 1x1", c: 64, m: 16, hw: 55, k: 1, s: 1, pad: 0)
    conv("Conv 55x55 16->64 1x1", c: 16, m: 64, hw: 55, k: 1, s: 1, pad: 0)
    conv("Conv 55x55 16->64 3x3", c: 16, m: 64, hw: 55, k: 3, s: 1, pad: 1)
    conv("Conv 27x27 32->128 3x3", c: 32, m: 128, hw: 27, k: 3, s: 1, pad: 1)
    conv("Conv 13x13 64->256 3x3", c: 64, m: 256, hw: 13, k: 3, s: 1, pad: 1)
    conv("Conv 13x13 512->1000 1x1", c: 512, m: 1000, hw: 13, k: 1, s: 1, pad: 0)
}
if want("winograd") {
    // Where Winograd F(2×2, 3×3) starts to pay on small planes: 3×3 same-size convs over
    // 13², 14² and 20² planes, shallow to deep (WinogradConvPlan.applies).
    for hw in [13, 14, 20] {
        for (c, m) in [(64, 256), (128, 128), (256, 256)] {
            bench("Conv \(hw)x\(hw) \(c)->\(m) 3x3", op: "Conv", attrs: ["pads": .ints([1, 1, 1, 1])],
                  inputs: [randomTensor([1, c, hw, hw]), randomTensor([m, c, 3, 3]), randomTensor([m])], constant: [false, true, true],
                  out: [1, m, hw, hw], flops: 2 * Double(m * hw * hw * c * 9))
        }
    }
}
if want("depthwise") {
    // ShuffleNet's depthwise convs (3×3, pad 1): 7- to 28-wide planes, stride 1 and 2.
    func dw(_ name: String, c: Int, hw: Int, s: Int) {
        let o = (hw + 2 - 3) / s + 1
        bench(name, op: "Conv", attrs: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([s, s]), "group": .int(c)],
              inputs: [randomTensor([1, c, hw, hw]), randomTensor([c, 1, 3, 3]), randomTensor([c])], constant: [false, true, true],
              out: [1, c, o, o], flops: 2 * Double(c * o * o * 9))
    }
    dw("DWConv 56x56 112 3x3 s2", c: 112, hw: 56, s: 2)
    dw("DWConv 28x28 136 3x3", c: 136, hw: 28, s: 1)
    dw("DWConv 28x28 136 3x3 s2", c: 136, hw: 28, s: 2)
    dw("DWConv 14x14 272 3x3", c: 272, hw: 14, s: 1)
    dw("DWConv 14x14 272 3x3 s2", c: 272, hw: 14, s: 2)
    dw("DWConv 112x112 32 3x3", c: 32, hw: 112, s: 1)
}
if want("sparse") {
    // Pruned weights: the same conv with `density` of its weights kept (random
    // positions), dense kernel vs sparse kernel, to place SparseWeightRows.maximumDensity.
    // Above the threshold the registry picks dense, so both are run through it by
    // pruning to the density under test; FLOPs are the dense count, so GFLOP/s compare.
    func pruned(_ shape: [Int], density: Double) -> Tensor {
        var g = SystemRandomNumberGenerator()
        return Tensor(floats: (0..<shape.reduce(1, *)).map { _ in Double.random(in: 0..<1, using: &g) < density ? Float.random(in: -1...1, using: &g) : 0 }, shape: shape)
    }
    func conv(_ name: String, c: Int, m: Int, hw: Int, k: Int, density: Double) {
        let pad = k / 2
        bench("\(name) density \(density)", op: "Conv", attrs: ["pads": .ints([pad, pad, pad, pad])],
              inputs: [randomTensor([1, c, hw, hw]), pruned([m, c, k, k], density: density), randomTensor([m])], constant: [false, true, true],
              out: [1, m, hw, hw], flops: 2 * Double(m * hw * hw * c * k * k))
    }
    for d in [1.0, 0.5, 0.4, 0.25, 0.1] {
        conv("Conv 56x56 64->256 1x1", c: 64, m: 256, hw: 56, k: 1, density: d)
        conv("Conv 28x28 128->128 3x3", c: 128, m: 128, hw: 28, k: 3, density: d)
        conv("Conv 14x14 256->256 3x3", c: 256, m: 256, hw: 14, k: 3, density: d)
    }
}
// Any conv shape, as `conv:C:M:HW:K[:STRIDE]` (pads k/2, group 1): several may be given.
for spec in args where spec.hasPrefix("conv:") {
    let fields = spec.dropFirst(5).split(separator: ":", omittingEmptySubsequences: false)
    let f = fields.compactMap { Int($0) }.filter { $0 > 0 }
    guard f.count == fields.count, f.count == 4 || f.count == 5 else {
        print("bench-linear: \(spec): expected conv:C:M:HW:K[:STRIDE], positive integers")
        exit(2)
    }
    let (c, m, hw, k) = (f[0], f[1], f[2], f[3]), s = f.count == 5 ? f[4] : 1
    let pad = k / 2, o = (hw + 2 * pad - k) / s + 1
    bench("Conv \(hw)x\(hw) \(c)->\(m) \(k)x\(k)\(s > 1 ? " s\(s)" : "")", op: "Conv",
          attrs: ["pads": .ints([pad, pad, pad, pad]), "strides": .ints([s, s])],
          inputs: [randomTensor([1, c, hw, hw]), randomTensor([m, c, k, k]), randomTensor([m])], constant: [false, true, true],
          out: [1, m, o, o], flops: 2 * Double(m * o * o * c * k * k))
}
