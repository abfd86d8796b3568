// Times the exact integer linear kernels against the fp32 ones on the same shapes,
// single-threaded, through the public registry (scripts/bench-integer-linear.sh).
import Dispatch
import Glibc
import Model
import Runtime

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

struct Serial: ThreadPool {
    var threadCount: Int { 1 }
    func parallelFor(_ count: Int, _ body: (Int) -> Void) { for i in 0..<count { body(i) } }
}

func floats(_ shape: [Int]) -> Tensor {
    var g = SystemRandomNumberGenerator()
    return Tensor(floats: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &g) }, shape: shape)
}
func bytes(_ d: DType, _ shape: [Int]) -> Tensor {
    var g = SystemRandomNumberGenerator()
    let n = shape.reduce(1, *)
    return d == .int8 ? Tensor(dtype: d, shape: shape, values: (0..<n).map { _ in Int8.random(in: -128...127, using: &g) })
        : Tensor(dtype: d, shape: shape, values: (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) })
}
func scalar(_ v: Float) -> Tensor { Tensor(dtype: .float32, shape: [], values: [v]) }
func zero(_ d: DType, _ v: Int) -> Tensor {
    d == .int8 ? Tensor(dtype: d, shape: [], values: [Int8(v)]) : Tensor(dtype: d, shape: [], values: [UInt8(v)])
}

/// Best of 7 rounds of ≥ 0.2 s; returns thread-CPU seconds per run.
@discardableResult
func bench(_ name: String, op: String, domain: String = "", attrs: [String: Attribute] = [:], inputs: [Tensor?], constant: [Bool],
           out: TensorType, macs: Double, baseline: Double? = nil) -> Double {
    let node = Node(name: name, opType: op, domain: domain, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "i\($0)" },
                    outputs: ["y"], attributes: attrs)
    let sig = KernelSignature(node: node, inputTypes: inputs.map { $0.map { TensorType(dtype: $0.dtype, shape: $0.shape) } },
                              outputTypes: [out], constants: zip(inputs, constant).map { $1 ? $0 : nil },
                              options: SessionOptions(threads: 1), opset: 21)
    let prepared = try! KernelRegistry.standard.factory(for: KernelKey(op, domain: domain, dtype: inputs[0]!.dtype))!(sig)
    let y = Tensor(dtype: out.dtype, shape: out.shape)
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(prepared.scratchBytes, 64), alignment: 64)
    let ins: [UnsafeRawPointer?] = inputs.map { $0.map { UnsafeRawPointer($0.storage.bytes) } }
    let outs: [UnsafeMutableRawPointer] = [y.storage.bytes]
    var bestCPU = Double.infinity, best = Double.infinity
    ins.withUnsafeBufferPointer { ib in
        outs.withUnsafeBufferPointer { ob in
            let ctx = KernelContext(inputs: ib, outputs: ob, scratch: scratch, pool: Serial())
            prepared.kernel.run(ctx)
            for _ in 0..<7 {
                let t0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuSeconds()
                var reps = 0
                repeat { prepared.kernel.run(ctx); reps += 1 } while DispatchTime.now().uptimeNanoseconds - t0 < 200_000_000
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(reps))
                bestCPU = min(bestCPU, (cpuSeconds() - c0) / Double(reps))
            }
        }
    }
    let ratio = baseline.map { String(format: "  %.2fx fp32", $0 / bestCPU) } ?? ""
    print("\(name.padding(toLength: 44, withPad: " ", startingAt: 0)) thread CPU \(String(format: "%8.3f", bestCPU * 1e3)) ms"
          + " = \(String(format: "%6.1f", 2 * macs / bestCPU / 1e9)) GOP/s (wall \(String(format: "%.3f", best * 1e3)) ms)\(ratio)")
    return bestCPU
}

func matmul(m: Int, n: Int, k: Int) {
    let macs = Double(m * n * k)
    let f = bench("MatMul fp32 \(m)x\(n)x\(k)", op: "MatMul", inputs: [floats([m, k]), floats([k, n])], constant: [false, true],
                  out: TensorType(dtype: .float32, shape: [m, n]), macs: macs)
    bench("MatMulInteger u8xs8 \(m)x\(n)x\(k)", op: "MatMulInteger",
          inputs: [bytes(.uint8, [m, k]), bytes(.int8, [k, n]), zero(.uint8, 131), zero(.int8, 0)], constant: [false, true, true, true],
          out: TensorType(dtype: .int32, shape: [m, n]), macs: macs, baseline: f)
    bench("QLinearMatMul u8xs8 \(m)x\(n)x\(k)", op: "QLinearMatMul",
          inputs: [bytes(.uint8, [m, k]), scalar(0.02), zero(.uint8, 131), bytes(.int8, [k, n]), scalar(0.005), zero(.int8, 0),
                   scalar(0.5), zero(.uint8, 128)], constant: [false, true, true, true, true, true, true, true],
          out: TensorType(dtype: .uint8, shape: [m, n]), macs: macs, baseline: f)
}

func conv(c: Int, m: Int, hw: Int, k: Int, s: Int = 1, group: Int = 1) {
    let pad = k / 2, o = (hw + 2 * pad - k) / s + 1
    let attrs: [String: Attribute] = ["pads": .ints([pad, pad, pad, pad]), "strides": .ints([s, s]), "group": .int(group)]
    let macs = Double(m * o * o * (c / group) * k * k)
    let name = "\(hw)x\(hw) \(c)->\(m) \(k)x\(k)\(s > 1 ? " s\(s)" : "")\(group > 1 ? " g\(group)" : "")"
    let f = bench("Conv fp32 \(name)", op: "Conv", attrs: attrs, inputs: [floats([1, c, hw, hw]), floats([m, c / group, k, k]), floats([m])],
                  constant: [false, true, true], out: TensorType(dtype: .float32, shape: [1, m, o, o]), macs: macs)
    bench("QLinearConv u8xs8 \(name)", op: "QLinearConv", attrs: attrs,
          inputs: [bytes(.uint8, [1, c, hw, hw]), scalar(0.02), zero(.uint8, 131), bytes(.int8, [m, c / group, k, k]), scalar(0.005),
                   zero(.int8, 0), scalar(0.5), zero(.uint8, 128), Tensor(dtype: .int32, shape: [m], values: [Int32](repeating: 100, count: m))],
          constant: [false, true, true, true, true, true, true, true, true], out: TensorType(dtype: .uint8, shape: [1, m, o, o]), macs: macs, baseline: f)
}

let which = Set(CommandLine.arguments.dropFirst())
func want(_ s: String) -> Bool { which.isEmpty || which.contains(s) }
if want("gemm") {
    matmul(m: 3136, n: 64, k: 576)
    matmul(m: 196, n: 256, k: 2304)
    matmul(m: 512, n: 512, k: 512)
}
if want("conv") || want("conv3x3") { conv(c: 64, m: 64, hw: 56, k: 3) }
if want("conv") || want("conv3x3") { conv(c: 256, m: 256, hw: 14, k: 3) }
if want("conv") || want("pointwise") { conv(c: 64, m: 256, hw: 56, k: 1) }
if want("conv") || want("depthwise") { conv(c: 32, m: 32, hw: 112, k: 3, group: 32) }
