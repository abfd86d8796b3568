import Model
import Runtime
import Testing

/// Pruned Conv weights: the sparse path must give the dense result and count only
/// the MACs of the weights it keeps.
@Suite("Linear: sparse Conv")
struct SparseConvTests {
    /// Zeroes all but about `density` of the values, deterministically.
    static func prune(_ w: [Float], density: Double, seed: UInt64) -> [Float] {
        var rng = LinearSeededGenerator(seed: seed)
        let keep = rng.floats(w.count, in: 0...1)
        return zip(w, keep).map { Double($1) < density ? $0 : 0 }
    }

    static let cases: [LinearConvCase] = [
        // Pointwise with a column tail (10·13 = 130 = 2·64 + 2), batch 2.
        LinearConvCase(batch: 2, channels: 24, outChannels: 40, height: 10, width: 13, kernel: (1, 1)),
        // Pointwise with exactly two 64-column blocks.
        LinearConvCase(channels: 32, outChannels: 16, height: 8, width: 16, kernel: (1, 1), bias: false),
        // im2col: padded 3×3, a partial last block.
        LinearConvCase(channels: 16, outChannels: 24, height: 14, width: 14, kernel: (3, 3), pads: [1, 1, 1, 1]),
        // Strided, dilated, grouped.
        LinearConvCase(channels: 8, outChannels: 12, height: 19, width: 17, kernel: (3, 3), stride: (2, 2), dilation: (1, 2),
                       pads: [1, 2, 1, 2], group: 2),
        // Strided 1×1 goes through im2col too.
        LinearConvCase(channels: 12, outChannels: 20, height: 15, width: 15, kernel: (1, 1), stride: (2, 2)),
    ]

    @Test("sparse Conv matches the dense reference", arguments: cases, [1, 3])
    func matchesReference(_ c: LinearConvCase, threads: Int) throws {
        var rng = LinearSeededGenerator(seed: UInt64(c.channels * 17 + c.width))
        let xShape = [c.batch, c.channels, c.height, c.width]
        let wShape = [c.outChannels, c.channels / c.group, c.kernel.0, c.kernel.1]
        let x = rng.floats(xShape.reduce(1, *))
        let w = Self.prune(rng.floats(wShape.reduce(1, *)), density: 0.2, seed: 5)
        let b = c.bias ? rng.floats(c.outChannels) : nil
        let reference = LinearReference.conv(x: x, xShape: xShape, w: w, wShape: wShape, bias: b, strides: [c.stride.0, c.stride.1],
                                             pads: c.pads, dilations: [c.dilation.0, c.dilation.1], group: c.group)
        let attributes: [String: Attribute] = ["group": .int(c.group), "strides": .ints([c.stride.0, c.stride.1]),
                                               "dilations": .ints([c.dilation.0, c.dilation.1]), "pads": .ints(c.pads)]
        let inputs = [LinearInput(x, xShape), LinearInput(w, wShape, constant: true), b.map { LinearInput($0, [c.outChannels], constant: true) }]
        let prepared = try linearPrepare("Conv", attributes: attributes, inputs: inputs, outputShapes: [reference.shape], threads: threads)
        // The sparse path is visible as the MACs it performs: non-zeros × output pixels.
        let nonZeros = w.filter { $0 != 0 }.count
        #expect(prepared.macs[.float32, default: 0] == Int64(nonZeros * c.batch * reference.shape[2] * reference.shape[3]),
                "a 20 %-dense weight must take the sparse path")
        let y = try linearRun("Conv", attributes: attributes, inputs: inputs, outputShape: reference.shape, threads: threads)
        linearExpectClose(y, reference.values, "sparse Conv \(c) threads=\(threads)")
    }

    @Test("the sparse path counts only non-zero MACs and its own bytes")
    func countsPerformedWork() throws {
        var rng = LinearSeededGenerator(seed: 9)
        let w = Self.prune(rng.floats(32 * 16 * 9), density: 0.25, seed: 3)
        let nonZeros = w.filter { $0 != 0 }.count
        let prepared = try linearPrepare("Conv", attributes: ["pads": .ints([1, 1, 1, 1])],
                                         inputs: [LinearInput(rng.floats(16 * 12 * 12), [1, 16, 12, 12]), LinearInput(w, [32, 16, 3, 3], constant: true)],
                                         outputShapes: [[1, 32, 12, 12]])
        #expect(prepared.macs[.float32, default: 0] == Int64(nonZeros * 12 * 12))
        // value + column per non-zero, plus the row starts.
        #expect(prepared.packedWeightBytes == nonZeros * 8 + 33 * 4)
    }

    @Test("weights above the density threshold stay dense")
    func denseStaysDense() throws {
        var rng = LinearSeededGenerator(seed: 10)
        let w = Self.prune(rng.floats(8 * 8), density: 0.9, seed: 4)
        let prepared = try linearPrepare("Conv", inputs: [LinearInput(rng.floats(8 * 36), [1, 8, 6, 6]), LinearInput(w, [8, 8, 1, 1], constant: true)],
                                         outputShapes: [[1, 8, 6, 6]])
        #expect(prepared.macs[.float32, default: 0] == Int64(8 * 36 * 8))
    }
}
