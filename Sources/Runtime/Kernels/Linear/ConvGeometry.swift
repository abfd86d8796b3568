/// A convolution's geometry from its shapes and attributes (group, kernel_shape,
/// strides, dilations, pads / auto_pad), validated once for every Conv flavour:
/// fp32 Conv, QLinearConv and ConvInteger read the same attributes the same way.
struct ConvGeometry {
    var group: Int
    var inChannels: Int
    var outChannels: Int
    var kernel: [Int]
    var spatial: [Int]
    var strides: [Int]
    var dilations: [Int]
    var pads: [LinearAxisPads]
    /// Output spatial extents.
    var out: [Int]
    /// [N, Cout] + out: what the node's output type must be.
    var outputShape: [Int]
    var batch: Int

    /// The geometry as the 2-D conv kernels run it (a 1-D conv has height 1).
    var convShape: ConvShape {
        let rank = spatial.count
        let (kh, kw) = ConvShape.hw(kernel, fill: 1), (sh, sw) = ConvShape.hw(strides, fill: 1)
        let (dh, dw) = ConvShape.hw(dilations, fill: 1), (h, wd) = ConvShape.hw(spatial, fill: 1)
        let (oh, ow) = ConvShape.hw(out, fill: 1)
        let top = rank == 2 ? pads[0] : LinearAxisPads(begin: 0, end: 0), left = pads[rank - 1]
        return ConvShape(batch: batch, inChannels: inChannels, outChannels: outChannels, group: group, height: h, width: wd,
                         outH: oh, outW: ow, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw,
                         dilationH: dh, dilationW: dw, padTop: top.begin, padLeft: left.begin,
                         padBottom: top.end, padRight: left.end)
    }

    /// `x` and `w` are [N, C, spatial…] and [M, C/group, kernel…]; the caller has
    /// checked the spatial rank it supports.
    init(_ sig: KernelSignature, x: [Int], w: [Int]) throws(KernelError) {
        guard w.count == x.count else { throw sig.linearMismatch("weight shape \(w) does not match input \(x)") }
        let rank = x.count - 2
        group = try sig.linearInt("group", default: 1)
        inChannels = x[1]; outChannels = w[0]
        guard group >= 1, inChannels % group == 0, outChannels % group == 0, w[1] == inChannels / group else {
            throw sig.linearMismatch("input channels \(inChannels), weight \(w) and group \(group) are inconsistent")
        }
        kernel = Array(w.dropFirst(2))
        if let ks = try sig.linearInts("kernel_shape"), ks != kernel { throw sig.linearInvalid("kernel_shape", "\(ks) differs from the weight's \(kernel)") }
        spatial = Array(x.dropFirst(2))
        strides = try linearSpatialAttribute(sig, "strides", count: rank)
        dilations = try linearSpatialAttribute(sig, "dilations", count: rank)
        pads = try linearWindowPads(sig, input: spatial, kernel: kernel, strides: strides, dilations: dilations)
        out = []
        for i in 0..<rank {
            let extent = (kernel[i] - 1) * dilations[i] + 1
            let o = (spatial[i] + pads[i].begin + pads[i].end - extent) / strides[i] + 1
            guard o >= 1 else { throw sig.linearMismatch("kernel \(kernel) with dilations \(dilations) is larger than the padded input \(spatial)") }
            out.append(o)
        }
        batch = x[0]
        outputShape = [x[0], outChannels] + out
    }
}
