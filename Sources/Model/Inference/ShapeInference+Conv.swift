/// Shape rules for convolutions, pools and normalization layers (NCHW layout).
extension ShapeInference {
    /// Spatial window attributes shared by Conv, ConvTranspose and the pools.
    struct Window {
        var kernel: [Int]
        var strides: [Int]
        var dilations: [Int]
        var padBegin: [Int]
        var padEnd: [Int]
        var autoPad: String

        init(_ c: OpContext, spatial: Int, kernel: [Int]) throws(ModelError) {
            self.kernel = kernel
            strides = try c.ints("strides") ?? Array(repeating: 1, count: spatial)
            dilations = try c.ints("dilations") ?? Array(repeating: 1, count: spatial)
            let pads = try c.ints("pads") ?? Array(repeating: 0, count: 2 * spatial)
            autoPad = try c.string("auto_pad", "NOTSET")
            guard kernel.count == spatial, strides.count == spatial, dilations.count == spatial, pads.count == 2 * spatial else {
                throw c.invalid("kernel_shape/strides/dilations/pads do not match \(spatial) spatial dimensions")
            }
            guard kernel.allSatisfy({ $0 >= 1 }), strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }),
                  pads.allSatisfy({ $0 >= 0 }) else { throw c.invalid("kernel, strides and dilations must be >= 1, pads >= 0") }
            padBegin = Array(pads[..<spatial])
            padEnd = Array(pads[spatial...])
        }

        /// Output extents of a forward window (Conv and pools).
        func outputs(_ c: OpContext, input: [Int], ceilMode: Bool = false) throws(ModelError) -> [Int] {
            var out: [Int] = []
            for i in input.indices {
                let effectiveKernel = try c.mul(dilations[i], kernel[i] - 1) + 1
                switch autoPad {
                case "SAME_UPPER", "SAME_LOWER":
                    out.append((input[i] + strides[i] - 1) / strides[i])
                case "VALID":
                    guard input[i] >= effectiveKernel else { throw c.invalid("window \(effectiveKernel) is larger than input \(input[i])") }
                    out.append((input[i] - effectiveKernel) / strides[i] + 1)
                case "NOTSET", "":
                    let padded = input[i] + padBegin[i] + padEnd[i]
                    guard padded >= effectiveKernel else { throw c.invalid("window \(effectiveKernel) is larger than padded input \(padded)") }
                    var n = ceilMode ? (padded - effectiveKernel + strides[i] - 1) / strides[i] + 1 : (padded - effectiveKernel) / strides[i] + 1
                    // With ceil_mode the last window must start inside the input or left padding (as onnxruntime and PyTorch do).
                    if ceilMode && (n - 1) * strides[i] >= input[i] + padBegin[i] { n -= 1 }
                    out.append(n)
                default:
                    throw c.invalid("unknown auto_pad '\(autoPad)'")
                }
            }
            return out
        }
    }

    /// Conv, ConvInteger (int32 out) and QLinearConv (out dtype of y_zero_point).
    static func conv(_ c: OpContext) throws(ModelError) -> TensorType {
        let wIndex = c.node.opType == "QLinearConv" ? 3 : 1
        let x = try c.type(0)
        let w = try c.shape(wIndex, minRank: 3)
        guard x.shape.count == w.count else { throw c.invalid("input rank \(x.shape.count) and weight rank \(w.count) differ") }
        let group = try c.int("group", 1)
        guard group >= 1, x.shape[1] == w[1] * group, w[0] % group == 0 else {
            throw c.invalid("input channels \(x.shape[1]) do not match weight \(w) with group \(group)")
        }
        let spatial = w.count - 2
        let kernel = try c.ints("kernel_shape") ?? Array(w[2...])
        let window = try Window(c, spatial: spatial, kernel: kernel)
        var out = try window.outputs(c, input: Array(x.shape[2...]))
        if let pool = FusedMaxPoolWindow(c.node.attributes[MaxPoolFusion.attribute]) {
            guard out.count == 2, let pooled = pool.outputs(height: out[0], width: out[1]) else {
                throw c.invalid("the fused MaxPool's window does not fit the conv output \(out)")
            }
            out = [pooled.height, pooled.width]
        }
        if c.node.attributes[GlobalAveragePoolFusion.attribute] != nil {
            out = out.map { _ in 1 }
        }
        let dtype: DType = switch c.node.opType {
        case "ConvInteger": .int32
        case "QLinearConv": c.has(7) ? try c.type(7).dtype : x.dtype
        default: x.dtype
        }
        return TensorType(dtype: dtype, shape: [x.shape[0], w[0]] + out)
    }

    static func convTranspose(_ c: OpContext) throws(ModelError) -> TensorType {
        let x = try c.type(0)
        let w = try c.shape(1, minRank: 3)
        guard x.shape.count == w.count else { throw c.invalid("input rank \(x.shape.count) and weight rank \(w.count) differ") }
        let group = try c.int("group", 1)
        guard group >= 1, x.shape[1] == w[0] else { throw c.invalid("input channels \(x.shape[1]) do not match weight \(w)") }
        let spatial = w.count - 2
        let window = try Window(c, spatial: spatial, kernel: try c.ints("kernel_shape") ?? Array(w[2...]))
        let outputPadding = try c.ints("output_padding") ?? Array(repeating: 0, count: spatial)
        guard outputPadding.count == spatial else { throw c.invalid("output_padding needs \(spatial) values") }
        let channels = try c.mul(w[1], group)
        if let given = try c.ints("output_shape") {
            guard given.count >= spatial, given.allSatisfy({ $0 >= 0 }) else { throw c.invalid("output_shape needs \(spatial) non-negative values") }
            return TensorType(dtype: x.dtype, shape: [x.shape[0], channels] + given.suffix(spatial))
        }
        var out: [Int] = []
        for i in 0..<spatial {
            let input = x.shape[2 + i]
            if window.autoPad.hasPrefix("SAME") { out.append(try c.mul(input, window.strides[i])); continue }
            let k = try c.mul(window.dilations[i], window.kernel[i] - 1) + 1
            let n = try c.mul(window.strides[i], max(input - 1, 0)) + outputPadding[i] + k - window.padBegin[i] - window.padEnd[i]
            guard n >= 0 else { throw c.invalid("negative output extent \(n)") }
            out.append(n)
        }
        return TensorType(dtype: x.dtype, shape: [x.shape[0], channels] + out)
    }

    /// MaxPool (plus int64 Indices), AveragePool, LpPool, QLinearAveragePool (com.microsoft; channels_last supported).
    static func pool(_ c: OpContext) throws(ModelError) -> [TensorType] {
        let x = try c.type(0)
        guard x.shape.count >= 3 else { throw c.invalid("input must have rank >= 3, has \(x.shape.count)") }
        guard let kernel = try c.ints("kernel_shape") else { throw c.invalid("attribute 'kernel_shape' is required") }
        let channelsLastAttr = try c.int("channels_last", 0)
        let channelsLast = c.node.opType == "QLinearAveragePool" && channelsLastAttr != 0
        let spatialDims = channelsLast ? Array(x.shape[1..<(x.shape.count - 1)]) : Array(x.shape[2...])
        let window = try Window(c, spatial: spatialDims.count, kernel: kernel)
        let out = try window.outputs(c, input: spatialDims, ceilMode: try c.int("ceil_mode", 0) != 0)
        var dtype = x.dtype
        if c.node.opType == "QLinearAveragePool", c.has(4) { dtype = try c.type(4).dtype }
        let shape = channelsLast ? [x.shape[0]] + out + [x.shape[x.shape.count - 1]] : [x.shape[0], x.shape[1]] + out
        return [TensorType(dtype: dtype, shape: shape), TensorType(dtype: .int64, shape: shape)]
    }

    static func globalPool(_ c: OpContext) throws(ModelError) -> TensorType {
        let x = try c.type(0)
        guard x.shape.count >= 3 else { throw c.invalid("input must have rank >= 3, has \(x.shape.count)") }
        var dtype = x.dtype
        if c.node.opType == "QLinearGlobalAveragePool" {
            if c.has(4) { dtype = try c.type(4).dtype }
            if try c.int("channels_last", 0) != 0 {
                return TensorType(dtype: dtype, shape: [x.shape[0]] + Array(repeating: 1, count: x.shape.count - 2) + [x.shape[x.shape.count - 1]])
            }
        }
        return TensorType(dtype: dtype, shape: [x.shape[0], x.shape[1]] + Array(repeating: 1, count: x.shape.count - 2))
    }

    /// Output 0 is X's type; training-mode outputs (running mean/var) are per channel.
    static func batchNorm(_ c: OpContext) throws(ModelError) -> [TensorType] {
        let x = try c.type(0)
        guard x.shape.count >= 2 else { throw c.invalid("input must have rank >= 2") }
        for i in 1...4 where c.has(i) {
            let s = try c.shape(i)
            guard s == [x.shape[1]] else { throw c.invalid("input \(i) must have shape [\(x.shape[1])]") }
        }
        let perChannel = TensorType(dtype: x.dtype, shape: [x.shape[1]])
        return [x, perChannel, perChannel, perChannel, perChannel]
    }

    static func layerNorm(_ c: OpContext) throws(ModelError) -> [TensorType] {
        let x = try c.type(0)
        let axis = try c.axis(try c.int("axis", -1), rank: x.shape.count)
        let stats = Array(x.shape[..<axis]) + Array(repeating: 1, count: x.shape.count - axis)
        return [x, TensorType(dtype: .float32, shape: stats), TensorType(dtype: .float32, shape: stats)]
    }
}
