import Model
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// BatchNormalization, inference form: y = (x − mean) / √(var + ε) · scale + B, folded to
/// y = x · a + b per channel (once at prepare when the four parameters are constants),
/// clamped at zero as it is stored when `ReluFusion` fused the Relu that followed.
struct BatchNormKernel: Kernel {
    var batch: Int, channels: Int, plane: Int
    var epsilon: Float
    var relu = false
    /// Interleaved (a, b) per channel when the parameters are constant.
    var folded: LinearPackedFloats?
    var slots: Int

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let x = try sig.linearFloatInput(0)
        guard x.shape.count >= 2 else { throw sig.linearMismatch("input \(x.shape) has no channel axis") }
        if try sig.linearInt("training_mode", default: 0) != 0 || sig.outputTypes.count > 1 {
            throw .unsupportedOperator(node: sig.node.name, opType: "BatchNormalization in training mode", domain: "", dtype: .float32)
        }
        let c = x.shape[1]
        for i in 1...4 {
            let t = try sig.linearFloatInput(i)
            guard t.elementCount == c else { throw sig.linearMismatch("input \(i) has shape \(t.shape), expected [\(c)]") }
        }
        var k = BatchNormKernel(batch: x.shape[0], channels: c, plane: x.shape.dropFirst(2).reduce(1, *),
                                epsilon: try sig.linearFloat("epsilon", default: 1e-5), slots: sig.linearSlots)
        k.relu = sig.node.attributes[ReluFusion.attribute] != nil
        if let scale = sig.linearFloatConstant(1), let bias = sig.linearFloatConstant(2),
           let mean = sig.linearFloatConstant(3), let variance = sig.linearFloatConstant(4) {
            let s = scale.scalars(as: Float.self), b = bias.scalars(as: Float.self)
            let m = mean.scalars(as: Float.self), v = variance.scalars(as: Float.self)
            var ab = [Float](repeating: 0, count: 2 * c)
            for i in 0..<c {
                let a = s[i] / (v[i] + k.epsilon).squareRoot()
                ab[2 * i] = a; ab[2 * i + 1] = b[i] - m[i] * a
            }
            k.folded = LinearPackedFloats(ab)
        }
        // Per element: the multiply and add, and the fused Relu's compare.
        return PreparedKernel(kernel: k, packedWeightBytes: k.folded?.byteCount,
                              ops: [.float32: (k.relu ? 3 : 2) * linearElements(x.shape)], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self)
        let y = context.output(0, as: Float.self)
        let ab = folded?.pointer
        let scale: UnsafePointer<Float>? = ab == nil ? context.input(1, as: Float.self) : nil
        let bias: UnsafePointer<Float>? = ab == nil ? context.input(2, as: Float.self) : nil
        let mean: UnsafePointer<Float>? = ab == nil ? context.input(3, as: Float.self) : nil
        let variance: UnsafePointer<Float>? = ab == nil ? context.input(4, as: Float.self) : nil
        let planes = batch * channels
        let tasks = min(max(1, min(slots, context.pool.threadCount)), planes)
        context.pool.parallelFor(tasks) { t in
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                let c = p % channels
                var a: Float, b: Float
                if let ab {
                    a = ab[2 * c]; b = ab[2 * c + 1]
                } else {
                    a = scale![c] / (variance![c] + epsilon).squareRoot()
                    b = bias![c] - mean![c] * a
                }
                if relu {
                    LinearSIMD.scaleShiftRelu(x + p * plane, y + p * plane, plane, a, b)
                } else {
                    LinearSIMD.scaleShift(x + p * plane, y + p * plane, plane, a, b)
                }
            }
        }
    }
}

/// InstanceNormalization: per image and channel, y = (x − mean) / √(var + ε) · scale + B.
struct InstanceNormKernel: Kernel {
    var batch: Int, channels: Int, plane: Int
    var epsilon: Float
    var slots: Int

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let x = try sig.linearFloatInput(0)
        guard x.shape.count >= 3 else { throw sig.linearMismatch("input \(x.shape) needs batch, channel and spatial axes") }
        for i in 1...2 {
            let t = try sig.linearFloatInput(i)
            guard t.elementCount == x.shape[1] else { throw sig.linearMismatch("input \(i) has shape \(t.shape), expected [\(x.shape[1])]") }
        }
        let k = InstanceNormKernel(batch: x.shape[0], channels: x.shape[1], plane: x.shape.dropFirst(2).reduce(1, *),
                                   epsilon: try sig.linearFloat("epsilon", default: 1e-5), slots: sig.linearSlots)
        return PreparedKernel(kernel: k, ops: [.float32: 5 * linearElements(x.shape)], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self)
        let scale = context.input(1, as: Float.self), bias = context.input(2, as: Float.self)
        let y = context.output(0, as: Float.self)
        let planes = batch * channels
        let tasks = min(max(1, min(slots, context.pool.threadCount)), planes)
        context.pool.parallelFor(tasks) { t in
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                let c = p % channels
                let src = x + p * plane
                let mean = LinearSIMD.sum(src, plane) / Float(plane)
                // Second pass around the mean: no cancellation from E[x²] − E[x]².
                var acc = SIMD8<Float>()
                let vm = SIMD8<Float>(repeating: mean)
                let raw = UnsafeRawPointer(src)
                var i = 0
                while i + 8 <= plane {
                    let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - vm
                    acc = acc.addingProduct(d, d)
                    i += 8
                }
                var sq = acc.sum()
                while i < plane { let d = src[i] - mean; sq += d * d; i += 1 }
                let a = scale[c] / (sq / Float(plane) + epsilon).squareRoot()
                LinearSIMD.scaleShift(src, y + p * plane, plane, a, bias[c] - mean * a)
            }
        }
    }
}

/// LRN across channels: y = x / (bias + alpha / size · Σ x²)^beta over the window
/// c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉.
struct LRNKernel: Kernel {
    var batch: Int, channels: Int, plane: Int
    var alpha: Float, beta: Float, bias: Float, size: Int
    var slots: Int

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let x = try sig.linearFloatInput(0)
        guard x.shape.count >= 3 else { throw sig.linearMismatch("input \(x.shape) needs batch, channel and spatial axes") }
        let size = try sig.linearInt("size", default: 0)
        guard size >= 1 else { throw sig.linearInvalid("size", "is required and must be positive") }
        let k = LRNKernel(batch: x.shape[0], channels: x.shape[1], plane: x.shape.dropFirst(2).reduce(1, *),
                          alpha: try sig.linearFloat("alpha", default: 1e-4), beta: try sig.linearFloat("beta", default: 0.75),
                          bias: try sig.linearFloat("bias", default: 1), size: size, slots: sig.linearSlots)
        return PreparedKernel(kernel: k, ops: [.float32: Int64(size + 3) * linearElements(x.shape)], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let x = context.input(0, as: Float.self)
        let y = context.output(0, as: Float.self)
        let planes = batch * channels
        let tasks = min(max(1, min(slots, context.pool.threadCount)), planes)
        let below = (size - 1) / 2, above = size - 1 - below
        let scale = alpha / Float(size)
        context.pool.parallelFor(tasks) { t in
            for p in planes * t / tasks..<planes * (t + 1) / tasks {
                let n = p / channels, c = p % channels
                let lo = Swift.max(0, c - below), hi = Swift.min(channels - 1, c + above)
                let src = x + p * plane, dst = y + p * plane
                for i in 0..<plane {
                    var sq: Float = 0
                    for cc in lo...hi { let v = x[(n * channels + cc) * plane + i]; sq += v * v }
                    dst[i] = src[i] / powf(bias + scale * sq, beta)
                }
            }
        }
    }
}
