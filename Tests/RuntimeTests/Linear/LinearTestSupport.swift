import Dispatch
import Model
import Runtime
import Testing

/// SplitMix64: reproducible inputs for the kernel comparisons.
struct LinearSeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}

/// A pool for driving kernels directly: `threads` = 1 runs inline, more runs the tasks
/// concurrently on Dispatch's workers.
struct LinearTestPool: ThreadPool {
    var threads: Int
    var threadCount: Int { threads }
    func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if threads == 1 || count == 1 {
            for i in 0..<count { body(i) }
        } else {
            withoutActuallyEscaping(body) { escapable in
                let box = LinearUncheckedBox(escapable)
                DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
            }
        }
    }
}

struct LinearUncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One input of a kernel under test.
struct LinearInput {
    var values: [Float]
    var shape: [Int]
    var constant: Bool
    init(_ values: [Float], _ shape: [Int], constant: Bool = false) {
        self.values = values; self.shape = shape; self.constant = constant
    }
}

/// Prepares `op` through the standard registry with a hand-built signature.
func linearPrepare(_ op: String, attributes: [String: Attribute] = [:], inputs: [LinearInput?], outputShapes: [[Int]],
                   threads: Int = 1) throws -> PreparedKernel {
    let node = Node(name: "test-\(op)", opType: op, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "x\($0)" },
                    outputs: outputShapes.indices.map { "y\($0)" }, attributes: attributes)
    let tensors = inputs.map { $0.map { Tensor(floats: $0.values, shape: $0.shape) } }
    let signature = KernelSignature(
        node: node,
        inputTypes: inputs.map { $0.map { TensorType(dtype: .float32, shape: $0.shape) } },
        outputTypes: outputShapes.map { TensorType(dtype: .float32, shape: $0) },
        constants: zip(inputs, tensors).map { input, tensor in input?.constant == true ? tensor : nil },
        options: SessionOptions(threads: threads), opset: 19)
    guard let factory = KernelRegistry.standard.factory(for: KernelKey(op, dtype: .float32)) else {
        throw LinearTestError.noKernel(op)
    }
    return try factory(signature)
}

enum LinearTestError: Error { case noKernel(String) }

/// Prepares and runs `op` once; returns output 0.
func linearRun(_ op: String, attributes: [String: Attribute] = [:], inputs: [LinearInput?], outputShape: [Int],
               threads: Int = 1) throws -> [Float] {
    let prepared = try linearPrepare(op, attributes: attributes, inputs: inputs, outputShapes: [outputShape], threads: threads)
    let tensors = inputs.map { $0.map { Tensor(floats: $0.values, shape: $0.shape) } }
    // Poison the output and scratch so stale or unwritten elements show up, and put a
    // guard after each: a kernel that stores past its output or its declared scratch
    // corrupts whatever the arena holds there.
    let count = outputShape.reduce(1, *), guardFloats = 64, guardBytes = 256
    let output = Tensor(floats: [Float](repeating: .nan, count: count + guardFloats), shape: [count + guardFloats])
    let scratchBytes = max(prepared.scratchBytes, 64)
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes + guardBytes, alignment: 64)
    defer { scratch.deallocate() }
    scratch.initializeMemory(as: UInt8.self, repeating: 0xFF, count: scratchBytes + guardBytes)
    let ins: [UnsafeRawPointer?] = tensors.map { $0.map { UnsafeRawPointer($0.storage.bytes) } }
    let outs: [UnsafeMutableRawPointer] = [output.storage.bytes]
    // The pointers borrow the tensors' storage: keep the tensors alive until the
    // kernel has run (an optimized build may release them right after their last use).
    withExtendedLifetime(tensors) {
        ins.withUnsafeBufferPointer { ib in
            outs.withUnsafeBufferPointer { ob in
                prepared.kernel.run(KernelContext(inputs: ib, outputs: ob, scratch: scratch, pool: LinearTestPool(threads: threads)))
            }
        }
    }
    let values = output.scalars(as: Float.self)
    let outputGuardIntact = values[count...].allSatisfy { $0.isNaN }
    let scratchGuardIntact = UnsafeRawBufferPointer(start: scratch + scratchBytes, count: guardBytes).allSatisfy { $0 == 0xFF }
    #expect(outputGuardIntact, "\(op) wrote past the end of its output")
    #expect(scratchGuardIntact, "\(op) wrote past the \(prepared.scratchBytes) scratch bytes it asked for")
    return Array(values[..<count])
}

/// |a − b| ≤ tol · (1 + |b|) elementwise, the bound for fp32 sums against a Double oracle.
func linearExpectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-4, _ what: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    var worst = 0, worstError: Float = 0
    for i in 0..<min(actual.count, expected.count) {
        let e = abs(actual[i] - expected[i]) / (1 + abs(expected[i]))
        if !(e <= worstError) { worstError = e; worst = i }
    }
    #expect(worstError <= tolerance,
            "\(what): element \(worst) is \(actual.isEmpty ? .nan : actual[worst]), expected \(expected.isEmpty ? .nan : expected[worst]) (relative error \(worstError))",
            sourceLocation: sourceLocation)
}

/// A session graph of `nodes` from the fp32 input "x" to the output "y", opset 17.
func linearGraph(_ name: String, nodes: [Node], initializers: [String: Tensor], xShape: [Int]) -> Graph {
    func type(_ s: [Int]) -> TensorType { TensorType(dtype: .float32, shape: s) }
    return Graph(name: name, nodes: nodes, initializers: initializers,
                 inputs: [ValueInfo(name: "x", declaredShape: xShape.map { .fixed($0) }, type: type(xShape))],
                 outputs: [ValueInfo(name: "y", declaredShape: [], type: type([]))], opsets: ["": 17])
}

/// Where a kernel's loop order reaches: the end of the furthest scratch region it reads
/// or writes, and the regions it writes outside scratch.
func linearAccessExtent(_ steps: [AccessStep]) -> (scratchEnd: Int, scratchWrites: Int, otherWrites: [MemoryRegion]) {
    var scratchEnd = 0, scratchWrites = 0, others: [MemoryRegion] = []
    for step in steps {
        switch step {
        case .read(let r), .reread(let r, _, _):
            if r.space == .scratch { scratchEnd = max(scratchEnd, r.offset + r.bytes) }
        case .write(let r):
            if r.space == .scratch { scratchEnd = max(scratchEnd, r.offset + r.bytes); scratchWrites += 1 } else { others.append(r) }
        }
    }
    return (scratchEnd, scratchWrites, others)
}
