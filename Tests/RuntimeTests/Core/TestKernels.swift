import Model
import Runtime

/// Kernels local to these tests, so the session is tested without depending on
/// the real kernel families' progress.
enum TestKernels {
    /// Elementwise binary op on float32 tensors of equal shape, split over the pool.
    struct Binary: Kernel {
        let count: Int
        let multiply: Bool
        func run(_ context: borrowing KernelContext) {
            let a = context.input(0, as: Float.self), b = context.input(1, as: Float.self)
            let y = context.output(0, as: Float.self)
            let count = count, multiply = multiply
            let chunk = 64
            context.pool.parallelFor((count + chunk - 1) / chunk) { c in
                for i in c * chunk..<min(count, (c + 1) * chunk) { y[i] = multiply ? a[i] * b[i] : a[i] + b[i] }
            }
        }
    }

    /// Negates int8 values (wrapping).
    struct Negate: Kernel {
        let count: Int
        func run(_ context: borrowing KernelContext) {
            let x = context.input(0, as: Int8.self), y = context.output(0, as: Int8.self)
            for i in 0..<count { y[i] = 0 &- x[i] }
        }
    }

    /// float32 → int8 with scale 1/64, as a stand-in for QuantizeLinear.
    struct Quantize: Kernel {
        let count: Int
        func run(_ context: borrowing KernelContext) {
            let x = context.input(0, as: Float.self), y = context.output(0, as: Int8.self)
            for i in 0..<count { y[i] = Int8(max(-128, min(127, (x[i] * 64).rounded()))) }
        }
    }

    /// int8 → float32, the inverse of `Quantize`.
    struct Dequantize: Kernel {
        let count: Int
        func run(_ context: borrowing KernelContext) {
            let x = context.input(0, as: Int8.self), y = context.output(0, as: Float.self)
            for i in 0..<count { y[i] = Float(x[i]) / 64 }
        }
    }

    static var registry: KernelRegistry {
        var registry = KernelRegistry()
        registry.register("Add", dtypes: [.float32]) { s in
            let n = s.outputTypes[0].elementCount
            return PreparedKernel(kernel: Binary(count: n, multiply: false), ops: [.float32: Int64(n)], computeType: .float32)
        }
        registry.register("Mul", dtypes: [.float32]) { s in
            let n = s.outputTypes[0].elementCount
            return PreparedKernel(kernel: Binary(count: n, multiply: true), scratchBytes: 256, macs: [.float32: Int64(n)], computeType: .float32)
        }
        registry.register("Neg", dtypes: [.int8]) { s in
            PreparedKernel(kernel: Negate(count: s.outputTypes[0].elementCount), computeType: .int8)
        }
        registry.register("QuantizeLinear", dtypes: [.float32]) { s in
            PreparedKernel(kernel: Quantize(count: s.outputTypes[0].elementCount), computeType: .float32)
        }
        registry.register("DequantizeLinear", dtypes: [.int8]) { s in
            PreparedKernel(kernel: Dequantize(count: s.outputTypes[0].elementCount), computeType: .float32)
        }
        // A "packing" kernel: reports its own copy of the weights for counting.
        registry.register("PackedMul", dtypes: [.float32]) { s in
            let n = s.outputTypes[0].elementCount
            return PreparedKernel(kernel: Binary(count: n, multiply: true), packedWeightBytes: 1000,
                                  macs: [.float32: Int64(n)], computeType: .float32)
        }
        return registry
    }
}

/// Graph-building helpers for the session tests.
enum TestGraphs {
    static func info(_ name: String, _ dtype: DType, _ shape: [Int]) -> ValueInfo {
        ValueInfo(name: name, declaredShape: shape.map { .fixed($0) }, type: TensorType(dtype: dtype, shape: shape))
    }

    /// y = (x * w + x) + x * w, with a = x * w and b = a + x as intermediates.
    static func floatChain(shape: [Int], weights: [Float]) -> Graph {
        let t = TensorType(dtype: .float32, shape: shape)
        return Graph(
            name: "chain",
            nodes: [
                Node(name: "mul", opType: "Mul", inputs: ["x", "w"], outputs: ["a"]),
                Node(name: "add1", opType: "Add", inputs: ["a", "x"], outputs: ["b"]),
                Node(name: "add2", opType: "Add", inputs: ["b", "a"], outputs: ["y"]),
            ],
            initializers: ["w": Tensor(floats: weights, shape: shape)],
            inputs: [info("x", .float32, shape)], outputs: [info("y", .float32, shape)],
            valueTypes: ["x": t, "w": t, "a": t, "b": t, "y": t], opsets: ["": 17])
    }
}

/// Records observer calls in order.
final class RecordingObserver: NodeObserver {
    var events: [String] = []
    var seconds: [Double] = []
    func willRun(node index: Int) { events.append("will \(index)") }
    func didRun(node index: Int, seconds: Double) { events.append("did \(index)"); self.seconds.append(seconds) }
}
