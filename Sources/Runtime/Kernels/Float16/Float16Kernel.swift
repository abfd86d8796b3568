import Model

/// A float16 node run by the float32 kernel of the same operator: fp16 activations
/// are widened into scratch before the fp32 kernel runs and its fp32 outputs are
/// narrowed back, fp16 constants are widened once at prepare. Tensors stay fp16 in
/// the arena (half the bytes); arithmetic is fp32, as onnxruntime's CPU provider
/// does for most fp16 operators.
///
/// Counting models an fp16 device: the fp32 kernel's MACs and ops are reported under
/// `.float16` and the node computes in `.float16`; the widening and narrowing copies
/// are emulation and not counted. A packed weight copy is counted at 2 bytes per
/// element, as an fp16 kernel would hold it.
struct Float16Kernel: Kernel {
    /// How input i reaches the fp32 kernel.
    enum Source: Sendable {
        case direct
        /// Widened at run time into scratch at `offset` (bytes), `count` elements.
        case widened(offset: Int, count: Int)
        /// Widened at prepare; the kernel owns the fp32 copy.
        case constant(TensorStorage)
    }

    let inner: any Kernel
    let sources: [Source]
    /// Per output: nil = written directly, else fp32 staging at (offset, count), narrowed after.
    let outputStaging: [(offset: Int, count: Int)?]
    /// Bytes of scratch at the start reserved for the fp32 kernel.
    let innerScratch: Int

    func run(_ context: borrowing KernelContext) {
        let scratch = context.scratch
        let pool = context.pool
        withUnsafeTemporaryAllocation(of: UnsafeRawPointer?.self, capacity: max(sources.count, 1)) { ins in
            withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer.self, capacity: max(outputStaging.count, 1)) { outs in
                for (i, source) in sources.enumerated() {
                    switch source {
                    case .direct:
                        ins[i] = context.inputs[i]
                    case let .widened(offset, count):
                        let dst = (scratch + offset).assumingMemoryBound(to: Float.self)
                        if let src = context.inputs[i] { widen(src.assumingMemoryBound(to: Float16.self), dst, count, pool) }
                        ins[i] = UnsafeRawPointer(dst)
                    case let .constant(storage):
                        ins[i] = UnsafeRawPointer(storage.bytes)
                    }
                }
                for (k, staging) in outputStaging.enumerated() {
                    outs[k] = staging.map { scratch + $0.offset } ?? context.outputs[k]
                }
                let innerContext = KernelContext(inputs: UnsafeBufferPointer(start: ins.baseAddress, count: sources.count),
                                                 outputs: UnsafeBufferPointer(start: outs.baseAddress, count: outputStaging.count),
                                                 scratch: scratch, pool: pool)
                inner.run(innerContext)
                for (k, staging) in outputStaging.enumerated() {
                    guard let staging else { continue }
                    narrow(UnsafePointer((scratch + staging.offset).assumingMemoryBound(to: Float.self)),
                           context.outputs[k].assumingMemoryBound(to: Float16.self), staging.count, pool)
                }
            }
        }
    }
}

@inline(__always) private func widen(_ src: UnsafePointer<Float16>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ pool: ThreadPool) {
    parallelChunks(pool, count: n, grain: 1 << 15) { Float16Conversion.widen(src, dst, $0) }
}

@inline(__always) private func narrow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float16>, _ n: Int, _ pool: ThreadPool) {
    parallelChunks(pool, count: n, grain: 1 << 15) { Float16Conversion.narrow(src, dst, $0) }
}

/// Widens the elements of an fp16 tensor into a new fp32 tensor.
func widenedTensor(_ t: Tensor) -> Tensor {
    let out = Tensor(dtype: .float32, shape: t.shape)
    let src = t.storage.bytes.assumingMemoryBound(to: Float16.self)
    let dst = out.storage.bytes.assumingMemoryBound(to: Float.self)
    for j in 0..<t.elementCount { dst[j] = Float(src[j]) }
    return out
}

/// Wraps an fp32 factory into an fp16 one (see `Float16Kernel`).
func float16Factory(wrapping float32: @escaping KernelFactory) -> KernelFactory {
    return { sig in
        func aligned(_ n: Int) -> Int { (n + 63) & ~63 }
        var inputTypes: [TensorType?] = [], constants: [Tensor?] = []
        var plan: [(widen: Bool, constant: Tensor?)] = []
        for (i, t) in sig.inputTypes.enumerated() {
            let c = i < sig.constants.count ? sig.constants[i] : nil
            guard let t, t.dtype == .float16 else {
                inputTypes.append(t); constants.append(c); plan.append((false, nil)); continue
            }
            let wide = c.map(widenedTensor)
            inputTypes.append(TensorType(dtype: .float32, shape: t.shape))
            constants.append(wide)
            plan.append((true, wide))
        }
        let outputTypes = sig.outputTypes.map { $0.dtype == .float16 ? TensorType(dtype: .float32, shape: $0.shape) : $0 }
        let innerSig = KernelSignature(node: sig.node, inputTypes: inputTypes, outputTypes: outputTypes, constants: constants,
                                       options: sig.options, opset: sig.opset)
        let prepared = try float32(innerSig)
        var offset = aligned(prepared.scratchBytes)
        let innerScratch = offset
        var sources: [Float16Kernel.Source] = []
        for (i, p) in plan.enumerated() {
            if !p.widen { sources.append(.direct); continue }
            if let wide = p.constant { sources.append(.constant(wide.storage)); continue }
            let n = inputTypes[i]!.elementCount
            sources.append(.widened(offset: offset, count: n))
            offset += aligned(n * 4)
        }
        var staging: [(offset: Int, count: Int)?] = []
        for t in sig.outputTypes {
            guard t.dtype == .float16 else { staging.append(nil); continue }
            staging.append((offset, t.elementCount))
            offset += aligned(t.elementCount * 4)
        }
        func relabel(_ counts: [DType: Int64]) -> [DType: Int64] {
            var out: [DType: Int64] = [:]
            for (d, v) in counts { out[d == .float32 ? .float16 : d, default: 0] += v }
            return out
        }
        return PreparedKernel(kernel: Float16Kernel(inner: prepared.kernel, sources: sources, outputStaging: staging, innerScratch: innerScratch),
                              scratchBytes: offset, packedWeightBytes: prepared.packedWeightBytes.map { $0 / 2 },
                              macs: relabel(prepared.macs), ops: relabel(prepared.ops),
                              computeType: prepared.computeType == .float32 ? .float16 : prepared.computeType)
    }
}

/// Operators whose fp16 form is not "the fp32 kernel between conversions".
private let notWrapped: Set<String> = ["Cast", "CastLike", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear"]

/// Registers an fp16 variant of every float32 kernel that has none yet. Data-movement
/// operators are registered byte-generically by their own files and are left alone.
func registerFloat16Kernels(_ r: inout KernelRegistry) {
    let float32Keys = r.factories.keys.filter { $0.dtype == .float32 && !notWrapped.contains($0.opType) }
    for key in float32Keys.sorted(by: { ($0.domain, $0.opType) < ($1.domain, $1.opType) }) {
        let half = KernelKey(key.opType, domain: key.domain, dtype: .float16)
        guard r.factory(for: half) == nil, let f = r.factory(for: key) else { continue }
        r.register(key.opType, domain: key.domain, dtypes: [.float16], float16Factory(wrapping: f))
    }
}
