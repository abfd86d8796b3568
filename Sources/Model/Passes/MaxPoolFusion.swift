/// Fuses a 2-D MaxPool into the first conv of an image model that feeds it (3 or 4 input
/// channels, as in SqueezeNet, ResNet-50, DenseNet-121 and ShuffleNet): the kernel
/// computes the conv a band of rows at a time into a buffer that stays in cache and pools
/// each band as it goes, so the conv's full output (3.1 MB for SqueezeNet's 64 × 111 ×
/// 111) is never written to memory and read back. On this host that tensor and the pool
/// that reads it were the nodes a busy host slowed most (docs/BENCHMARKS.md).
///
/// Only for fp32 Convs with constant weights of at most `maximumInputChannels` input
/// channels, group 1 and no dilation (the shapes the runtime's row kernel serves), whose
/// output has no other consumer and is not a graph output, and a MaxPool with no Indices
/// output, no dilation and explicit or VALID padding smaller than its window. Run after
/// `ReluFusion`, so a Conv → Relu → MaxPool chain becomes one node that applies the Relu
/// before pooling. The fused node keeps the Conv's name, takes the MaxPool's output and
/// carries the pool's window in `MaxPoolFusion.attribute`; it counts the pool's compares
/// as its own ops (docs/COUNTING.md).
public enum MaxPoolFusion {
    /// Attribute on a fused Conv; not an ONNX attribute: the loader refuses it in a model file
    /// (`GraphPasses.reservedAttributePrefix`).
    public static let attribute = "picojoule.fused_maxpool"
    /// Convs over more input channels are not first convs: their own kernels run deep
    /// enough that the output's store is hidden.
    public static let maximumInputChannels = 4

    static func run(_ graph: inout Graph) {
        var uses = GraphUses(graph)
        for (index, pool) in graph.nodes.enumerated() where pool.opType == "MaxPool" && pool.domain.isEmpty {
            guard pool.inputs.count == 1, pool.outputs.count == 1, let window = FusedMaxPoolWindow(maxPool: pool),
                  let ci = uses.soleProducer(of: pool.inputs[0]), isFusable(graph.nodes[ci], graph: graph),
                  let convType = graph.valueTypes[pool.inputs[0]], convType.dtype == .float32, convType.shape.count == 4,
                  window.outputs(height: convType.shape[2], width: convType.shape[3]) != nil else { continue }
            var conv = graph.nodes[ci]
            conv.attributes[attribute] = window.attribute
            uses.absorb(index, into: ci, as: conv, in: &graph)
        }
        uses.dropAbsorbed(from: &graph)
    }

    static func isFusable(_ conv: Node, graph: Graph) -> Bool {
        guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1, conv.inputs.count >= 2, conv.inputs.count <= 3,
              conv.attributes[attribute] == nil, conv.attributes[ResidualAddFusion.attribute] == nil,
              let w = graph.initializers[conv.inputs[1]], w.dtype == .float32, w.shape.count == 4,
              w.shape[1] <= maximumInputChannels else { return false }
        if case .int(let group)? = conv.attributes["group"], group != 1 { return false }
        return !conv.dilates
    }
}

/// The window of a MaxPool fused into a Conv, with its padding made explicit: the
/// attribute's value is [kH, kW, sH, sW, padTop, padLeft, padBottom, padRight, ceilMode].
public struct FusedMaxPoolWindow: Sendable, Hashable {
    public var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var ceilMode: Bool

    public init(kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padTop: Int = 0, padLeft: Int = 0,
                padBottom: Int = 0, padRight: Int = 0, ceilMode: Bool = false) {
        self.kernelH = kernelH; self.kernelW = kernelW; self.strideH = strideH; self.strideW = strideW
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        self.ceilMode = ceilMode
    }

    /// Decodes `MaxPoolFusion.attribute`; nil when absent or malformed.
    public init?(_ attribute: Attribute?) {
        guard case .ints(let v)? = attribute, v.count == 9 else { return nil }
        self.init(kernelH: v[0], kernelW: v[1], strideH: v[2], strideW: v[3], padTop: v[4], padLeft: v[5],
                  padBottom: v[6], padRight: v[7], ceilMode: v[8] != 0)
        guard isValid else { return nil }
    }

    /// A MaxPool node's window, when the fusion can take it: 2-D, no dilation, explicit
    /// (or VALID) pads each smaller than the window.
    init?(maxPool node: Node) {
        guard case .ints(let k)? = node.attributes["kernel_shape"], k.count == 2 else { return nil }
        var strides = [1, 1], pads = [0, 0, 0, 0], ceil = 0
        if case .ints(let s)? = node.attributes["strides"] { strides = s }
        if case .ints(let p)? = node.attributes["pads"] { pads = p }
        if case .int(let c)? = node.attributes["ceil_mode"] { ceil = c }
        guard !node.dilates, node.padsExplicitly else { return nil }
        if case .string("VALID")? = node.attributes["auto_pad"] { pads = [0, 0, 0, 0] }
        guard strides.count == 2, pads.count == 4 else { return nil }
        self.init(kernelH: k[0], kernelW: k[1], strideH: strides[0], strideW: strides[1], padTop: pads[0], padLeft: pads[1],
                  padBottom: pads[2], padRight: pads[3], ceilMode: ceil != 0)
        guard isValid else { return nil }
    }

    /// Positive window and strides; every pad smaller than the window, so that each
    /// window holds at least one conv output.
    var isValid: Bool {
        kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1 && padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0
            && padTop < kernelH && padBottom < kernelH && padLeft < kernelW && padRight < kernelW
    }

    public var attribute: Attribute {
        .ints([kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, ceilMode ? 1 : 0])
    }

    /// Pooled extents of a conv output plane, by ONNX MaxPool's rule; nil when the window
    /// is larger than the padded plane.
    public func outputs(height: Int, width: Int) -> (height: Int, width: Int)? {
        func extent(_ input: Int, _ k: Int, _ s: Int, _ begin: Int, _ end: Int) -> Int? {
            let span = input + begin + end - k
            guard input >= 1, span >= 0 else { return nil }
            var n = (ceilMode ? (span + s - 1) / s : span / s) + 1
            // The last window must start inside the input or its leading pad (ShapeInference.Window).
            if ceilMode && (n - 1) * s >= input + begin { n -= 1 }
            return n
        }
        guard let h = extent(height, kernelH, strideH, padTop, padBottom),
              let w = extent(width, kernelW, strideW, padLeft, padRight) else { return nil }
        return (h, w)
    }
}
