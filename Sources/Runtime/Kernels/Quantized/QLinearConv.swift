import Model

/// ONNX QLinearConv and ConvInteger, NCHW, 1-D and 2-D, uint8 or int8 input and weights:
/// groups (depthwise included), strides, dilations, pads and auto_pad.
///
/// Depthwise convs (group = C = M) run a direct int32 SIMD kernel (QLinearConv+Depthwise.swift).
/// Otherwise, per image and group, the weights (A, Cout/group × Cin/group·kH·kW, packed once at
/// prepare when constant) multiply the im2col matrix (B, generated while packing; 1×1
/// stride-1 unpadded convs read the input planes directly) in the exact integer GEMM.
/// ConvInteger stores the int32 sums; QLinearConv adds the int32 bias and requantizes
/// per output channel with multiplier x_scale · w_scale[c] / y_scale.
///
/// Counts: N·Cout·oH·oW·(Cin/group)·kH·kW MACs under the input's dtype; per output, 1 int32
/// op for the bias and 2 for the requantization (multiply-round-shift, zero point with saturation).
struct IntegerConvKernel: Kernel {
    enum Variant: Sendable { case qlinear, integer }
    var shape: ConvShape
    var pointwise: Bool
    var weightIndex: Int
    var biasIndex: Int?
    var inputSigned: Bool, weightSigned: Bool
    var inputZero: IntegerZeroPointInput, weightZero: IntegerZeroPointInput
    var packedW: IntegerPackedWords?
    /// One per output channel (QLinearConv).
    var steps: [IntegerRequantStep]
    var output: DType
    var slots: Int
    /// im2col path: the group's planes are copied into a buffer padded with the zero point,
    /// `paddedH` × `paddedW` bytes each, and depth row d starts at `rowOffsets[d]` in it.
    var paddedH = 0, paddedW = 0
    var rowOffsets: [Int] = []

    var paddedBytes: Int { IntegerGEMM.roundUp(inG * paddedH * paddedW, 64) }

    var inG: Int { shape.inChannels / shape.group }
    var outG: Int { shape.outChannels / shape.group }
    var depth: Int { inG * shape.taps }

    static func prepare(_ sig: KernelSignature, variant: Variant) throws(KernelError) -> PreparedKernel {
        let q = variant == .qlinear
        let wIndex = q ? 3 : 1
        let x = try sig.integer8Input(0), w = try sig.integer8Input(wIndex)
        let rank = x.shape.count - 2
        guard rank == 1 || rank == 2 else {
            throw .unsupportedOperator(node: sig.node.name, opType: "\(sig.node.opType) (\(max(rank, 0))-D)", domain: "", dtype: x.dtype)
        }
        let geometry = try ConvGeometry(sig, x: x.shape, w: w.shape)
        let group = geometry.group, cout = geometry.outChannels, pads = geometry.pads
        let expected = geometry.outputShape
        guard let outType = sig.outputTypes.first, outType.shape == expected else {
            throw sig.linearMismatch("output shape \(sig.outputTypes.first?.shape ?? []) is not \(expected)")
        }
        let shape = geometry.convShape
        let kh = shape.kernelH, kw = shape.kernelW, sh = shape.strideH, sw = shape.strideW
        let dh = shape.dilationH, dw = shape.dilationW

        let inputZero = try sig.integerZeroPoint(2, "x_zero_point", count: 1, perElement: false)
        let weightZero = try sig.integerZeroPoint(q ? 5 : 3, "w_zero_point", count: cout)
        var steps: [IntegerRequantStep] = []
        var biasIndex: Int?
        if q {
            guard outType.dtype == .uint8 || outType.dtype == .int8 else {
                throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: outType.dtype)
            }
            let xs = try sig.integerScales(1, "x_scale"), ws = try sig.integerScales(4, "w_scale", count: cout)
            let ys = try sig.integerScales(6, "y_scale"), yz = try sig.integerConstantZeroPoints(7, "y_zero_point")
            for c in 0..<cout { steps.append(try sig.integerStep(scale: xs[0] * ws[ws.count == 1 ? 0 : c] / ys[0], zeroPoint: yz[0])) }
            if sig.linearHasInput(8) {
                let b = try sig.inputType(8)
                guard b.dtype == .int32 else { throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: b.dtype) }
                guard b.shape == [cout] else { throw sig.linearMismatch("bias shape \(b.shape) is not [\(cout)]") }
                biasIndex = 8
            }
        } else {
            guard outType.dtype == .int32 else { throw .unsupportedDType(node: sig.node.name, opType: sig.node.opType, dtype: outType.dtype) }
        }
        let pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pads.allSatisfy { $0.begin == 0 && $0.end == 0 }
        var k = IntegerConvKernel(shape: shape, pointwise: pointwise, weightIndex: wIndex, biasIndex: biasIndex,
                                  inputSigned: x.dtype == .int8, weightSigned: w.dtype == .int8,
                                  inputZero: inputZero, weightZero: weightZero, steps: steps, output: outType.dtype,
                                  slots: sig.linearSlots)
        if !pointwise && !k.isDepthwise {
            k.paddedH = max(shape.height + shape.padTop + shape.padBottom, (shape.outH - 1) * sh + (kh - 1) * shape.dilationH + 1)
            // 16 spare bytes: a panel's 16-pixel run may start at the last output column.
            k.paddedW = max(shape.width + shape.padLeft + shape.padRight, (shape.outW - 1) * sw + (kw - 1) * shape.dilationW + 1) + 16
            for d in 0..<k.depth {
                let ch = d / shape.taps, r = d % shape.taps
                k.rowOffsets.append(ch * k.paddedH * k.paddedW + (r / kw) * dh * k.paddedW + (r % kw) * dw)
            }
        }
        let zeroConstant = weightZero.index.map { $0 < sig.constants.count && sig.constants[$0] != nil } ?? true
        if !k.isDepthwise, wIndex < sig.constants.count, let wc = sig.constants[wIndex], zeroConstant {
            let per = IntegerGEMM.packedAWords(m: k.outG, k: k.depth)
            let storage = TensorStorage(count: max(per * group, 1) * 4)
            let dst = storage.bytes.assumingMemoryBound(to: Int32.self)
            let zc = weightZero.index.flatMap { sig.constants[$0] }
            for g in 0..<group {
                let matrix = IntegerMatrix(base: UnsafeRawPointer(wc.storage.bytes) + g * k.outG * k.depth, rowStride: k.depth, colStride: 1,
                                           signed: k.weightSigned, zeroPoint: weightZero.resolve(zc, first: g * k.outG))
                IntegerGEMM.packA(.matrix(matrix), m: k.outG, k: k.depth, i0: 0, count: k.outG, into: dst + g * per)
            }
            k.packedW = IntegerPackedWords(storage)
        }
        let scratch = k.isDepthwise ? k.depthwiseWordsPerThread * 4 * k.slots
            : k.paddedBytes + IntegerGEMM.scratchBytes(m: k.outG, n: shape.outPlane, k: k.depth, aPacked: k.packedW != nil, bPacked: false, slots: k.slots)
        let outputs = linearElements(expected)
        var ops: Int64 = q ? 2 * outputs : 0
        if biasIndex != nil { ops += outputs }
        // Everything read at run time besides the activations: packed weights, the requant
        // table (it replaces the scales), and the bias and zero points when constant.
        var packedBytes: Int?
        if let p = k.packedW {
            // The weights as the device holds them (one byte per int8 element), not the host's
            // int16-widened packing: this count feeds the device's flash/RAM traffic and memory fit.
            packedBytes = (sig.constants[wIndex]?.byteCount ?? p.byteCount) + steps.count * MemoryLayout<IntegerRequantStep>.stride + inputZero.constantBytes
                + (biasIndex.flatMap { sig.constants[$0] }.map { $0.byteCount } ?? 0)
        }
        return PreparedKernel(kernel: k, scratchBytes: scratch, packedWeightBytes: packedBytes,
                              macs: [x.dtype: outputs * Int64(k.depth)], ops: ops > 0 ? [.int32: ops] : [:],
                              computeType: x.dtype)
    }

    func run(_ context: borrowing KernelContext) {
        steps.withUnsafeBufferPointer { steps in
            if isDepthwise { runDepthwise(context, steps: steps); return }
            let s = shape
            let x = context.inputs[0]!, y = context.outputs[0]
            let bias: UnsafePointer<Int32>? = biasIndex.map { context.input($0, as: Int32.self) }
            let perA = IntegerGEMM.packedAWords(m: outG, k: depth)
            let xz = inputZero.resolve(context.inputs)
            let outBytes = output == .int32 ? 4 : 1
            let padded = context.scratch, gemmScratch = context.scratch + paddedBytes
            rowOffsets.withUnsafeBufferPointer { offsets in
            for n in 0..<s.batch {
                for g in 0..<s.group {
                    let xg = x + (n * s.inChannels + g * inG) * s.inPlane
                    let yOffset = (n * s.outChannels + g * outG) * s.outPlane
                    let a: IntegerOperandA
                    if let packedW { a = .packed(packedW.pointer + g * perA) } else {
                        a = .matrix(IntegerMatrix(base: context.inputs[weightIndex]! + g * outG * depth, rowStride: depth, colStride: 1,
                                                  signed: weightSigned, zeroPoint: weightZero.resolve(context.inputs, first: g * outG)))
                    }
                    let b: IntegerOperandB
                    if pointwise {
                        b = .matrix(IntegerMatrix(base: xg, rowStride: s.inPlane, colStride: 1, signed: inputSigned, zeroPoint: xz))
                    } else {
                        copyPadded(xg, zeroPoint: xz.value(0), into: padded)
                        b = .paddedIm2col(IntegerPaddedIm2col(base: UnsafeRawPointer(padded), signed: inputSigned, zeroPoint: xz.value(0),
                                                              rowOffsets: offsets.baseAddress!, depth: depth, columns: s.outPlane, outW: s.outW,
                                                              strideH: s.strideH, strideW: s.strideW, pitch: paddedW))
                    }
                    let out = y + yOffset * outBytes
                    var epilogue: IntegerEpilogue
                    switch output {
                    case .int32: epilogue = IntegerEpilogue(output: .int32(out.assumingMemoryBound(to: Int32.self)), ldc: s.outPlane)
                    case .int8: epilogue = IntegerEpilogue(output: .int8(out.assumingMemoryBound(to: Int8.self)), ldc: s.outPlane)
                    default: epilogue = IntegerEpilogue(output: .uint8(out.assumingMemoryBound(to: UInt8.self)), ldc: s.outPlane)
                    }
                    if let bias { epilogue.addend = bias + g * outG; epilogue.addendRowStride = 1 }
                    if let base = steps.baseAddress { epilogue.steps = base + g * outG; epilogue.paramRowStride = 1 }
                    IntegerGEMM.multiply(m: outG, n: s.outPlane, k: depth, a: a, b: b, epilogue: epilogue,
                                         scratch: gemmScratch, slots: slots, pool: context.pool)
                }
            }
            }
        }
    }

    /// Copies one group's input planes into the zero-point-padded buffer.
    private func copyPadded(_ x: UnsafeRawPointer, zeroPoint: Int16, into dst: UnsafeMutableRawPointer) {
        let s = shape, plane = paddedH * paddedW
        dst.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: zeroPoint), count: inG * plane)
        for c in 0..<inG {
            for ih in 0..<s.height {
                (dst + c * plane + (ih + s.padTop) * paddedW + s.padLeft).copyMemory(from: x + c * s.inPlane + ih * s.width, byteCount: s.width)
            }
        }
    }
}
