import Model

/// ONNX ConvTranspose, NCHW fp32, 1-D and 2-D: groups, strides, pads, dilations,
/// output_padding, output_shape and auto_pad.
///
/// Per image and group, a packed GEMM forms the column matrix Wᵀ·X (rows: output channel
/// × kernel tap, columns: input pixels), then col2im scatters it into the output, which
/// starts from the bias. The weights are packed once, transposed, at prepare.
struct ConvTransposeKernel: Kernel {
    var shape: ConvShape
    var packedW: LinearPackedFloats?
    var hasBias: Bool
    var slots: Int

    var inG: Int { shape.inChannels / shape.group }
    var outG: Int { shape.outChannels / shape.group }
    var rows: Int { outG * shape.taps }
    var gemmScratchFloats: Int { SGEMM.scratchFloatsPerThread(m: rows, n: shape.inPlane, k: inG, packsA: packedW == nil, packsB: true) * slots }

    static func prepare(_ sig: KernelSignature) throws(KernelError) -> PreparedKernel {
        let x = try sig.linearFloatInput(0), w = try sig.linearFloatInput(1)
        let rank = x.shape.count - 2
        guard rank == 1 || rank == 2 else {
            throw .unsupportedOperator(node: sig.node.name, opType: "ConvTranspose (\(max(rank, 0))-D)", domain: "", dtype: .float32)
        }
        guard w.shape.count == x.shape.count else { throw sig.linearMismatch("weight shape \(w.shape) does not match input \(x.shape)") }
        let group = try sig.linearInt("group", default: 1)
        let cin = x.shape[1]
        guard group >= 1, cin % group == 0, w.shape[0] == cin else {
            throw sig.linearMismatch("input channels \(cin), weight \(w.shape) and group \(group) are inconsistent")
        }
        let cout = w.shape[1] * group
        let kernel = Array(w.shape.dropFirst(2)), spatial = Array(x.shape.dropFirst(2))
        let strides = try linearSpatialAttribute(sig, "strides", count: rank)
        let dilations = try linearSpatialAttribute(sig, "dilations", count: rank)
        let outputPadding = try sig.linearInts("output_padding") ?? Array(repeating: 0, count: rank)
        guard outputPadding.count == rank else { throw sig.linearInvalid("output_padding", "has \(outputPadding.count) values, expected \(rank)") }
        guard let outShape = sig.outputTypes.first?.shape, outShape.count == rank + 2, outShape[0] == x.shape[0], outShape[1] == cout else {
            throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) is not [\(x.shape[0]), \(cout), ...]")
        }
        let out = Array(outShape.dropFirst(2))
        let autoPad = try sig.linearString("auto_pad", default: "NOTSET")
        let explicitShape = try sig.linearInts("output_shape")
        var pads: [LinearAxisPads] = []
        for i in 0..<rank {
            let full = strides[i] * (spatial[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
            if explicitShape != nil || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                let total = full - out[i]
                guard total >= 0 else { throw sig.linearMismatch("output size \(out[i]) exceeds the full transposed size \(full)") }
                pads.append(autoPad == "SAME_UPPER" ? LinearAxisPads(begin: total / 2, end: total - total / 2)
                                                    : LinearAxisPads(begin: total - total / 2, end: total / 2))
            } else if autoPad == "VALID" {
                pads.append(LinearAxisPads(begin: 0, end: 0))
            } else {
                let p = try sig.linearInts("pads") ?? Array(repeating: 0, count: 2 * rank)
                guard p.count == 2 * rank else { throw sig.linearInvalid("pads", "has \(p.count) values, expected \(2 * rank)") }
                pads.append(LinearAxisPads(begin: p[i], end: p[i + rank]))
            }
            guard full - pads[i].begin - pads[i].end == out[i] else {
                throw sig.linearMismatch("output size \(out[i]) on spatial axis \(i) does not follow from input \(spatial[i]), stride \(strides[i]) and pads")
            }
        }
        if sig.linearHasInput(2) {
            let b = try sig.linearFloatInput(2)
            guard b.shape == [cout] else { throw sig.linearMismatch("bias shape \(b.shape) is not [\(cout)]") }
        }
        let (kh, kw) = ConvShape.hw(kernel, fill: 1), (sh, sw) = ConvShape.hw(strides, fill: 1)
        let (dh, dw) = ConvShape.hw(dilations, fill: 1), (h, wd) = ConvShape.hw(spatial, fill: 1)
        let (oh, ow) = ConvShape.hw(out, fill: 1)
        let top = rank == 2 ? pads[0] : LinearAxisPads(begin: 0, end: 0), left = pads[rank - 1]
        let shape = ConvShape(batch: x.shape[0], inChannels: cin, outChannels: cout, group: group, height: h, width: wd,
                              outH: oh, outW: ow, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw,
                              dilationH: dh, dilationW: dw, padTop: top.begin, padLeft: left.begin,
                              padBottom: top.end, padRight: left.end)
        var k = ConvTransposeKernel(shape: shape, hasBias: sig.linearHasInput(2), slots: sig.linearSlots)
        if let wc = sig.linearFloatConstant(1) {
            // A_g(i, c) = W[g·inG + c, i]: the group's weight block, transposed.
            let per = SGEMM.packedACount(m: k.rows, k: k.inG)
            let storage = TensorStorage(count: max(per * group, 1) * 4)
            let src = wc.storage.bytes.assumingMemoryBound(to: Float.self)
            let dst = storage.bytes.assumingMemoryBound(to: Float.self)
            for g in 0..<group {
                let one = SGEMM.prepackA(src + g * k.inG * k.rows, rowStride: 1, colStride: k.rows, m: k.rows, k: k.inG)
                dst.advanced(by: g * per).update(from: one.bytes.assumingMemoryBound(to: Float.self), count: per)
            }
            k.packedW = LinearPackedFloats(storage)
        }
        let scratch = (k.rows * shape.inPlane + k.gemmScratchFloats) * 4
        let macs = Int64(shape.batch) * Int64(cin) * Int64(shape.inPlane) * Int64(k.outG) * Int64(shape.taps)
        let outputs = linearElements(outShape)
        return PreparedKernel(kernel: k, scratchBytes: scratch, packedWeightBytes: k.packedW?.byteCount,
                              macs: [.float32: macs], ops: k.hasBias ? [.float32: outputs] : [:], computeType: .float32)
    }

    func run(_ context: borrowing KernelContext) {
        let s = shape
        let x = context.input(0, as: Float.self)
        let y = context.output(0, as: Float.self)
        let bias: UnsafePointer<Float>? = hasBias ? context.input(2, as: Float.self) : nil
        let col = context.scratch.assumingMemoryBound(to: Float.self)
        let gemmScratch = col + rows * s.inPlane
        let per = SGEMM.packedACount(m: rows, k: inG)
        let wInput: UnsafePointer<Float>? = packedW == nil ? context.input(1, as: Float.self) : nil
        for n in 0..<s.batch {
            for g in 0..<s.group {
                let a: SGEMMOperandA = packedW.map { .packed($0.pointer + g * per) }
                    ?? .strided(wInput! + g * inG * rows, rowStride: 1, colStride: rows)
                let xg = x + (n * s.inChannels + g * inG) * s.inPlane
                SGEMM.multiply(m: rows, n: s.inPlane, k: inG, a: a, b: .strided(xg, rowStride: s.inPlane, colStride: 1),
                               c: col, ldc: s.inPlane, epilogue: SGEMMEpilogue(), scratch: gemmScratch, slots: slots, pool: context.pool)
                for co in 0..<outG {
                    let channel = g * outG + co
                    let plane = y + (n * s.outChannels + channel) * s.outPlane
                    plane.update(repeating: bias?[channel] ?? 0, count: s.outPlane)
                    for kh in 0..<s.kernelH {
                        for kw in 0..<s.kernelW {
                            let src = col + ((co * s.kernelH + kh) * s.kernelW + kw) * s.inPlane
                            for ih in 0..<s.height {
                                let oh = ih * s.strideH - s.padTop + kh * s.dilationH
                                if oh < 0 || oh >= s.outH { continue }
                                let row = plane + oh * s.outW, srow = src + ih * s.width
                                for iw in 0..<s.width {
                                    let ow = iw * s.strideW - s.padLeft + kw * s.dilationW
                                    if ow >= 0 && ow < s.outW { row[ow] += srow[iw] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
