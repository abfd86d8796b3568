/// Fuses a GlobalAveragePool, or an AveragePool whose window is the whole unpadded plane,
/// into the fp32 Conv that feeds it (SqueezeNet's classifier, 13² 512 → 1000 → Relu →
/// GlobalAveragePool; the last conv of ResNet-50 and ShuffleNet, with its residual and
/// Relu, → 7×7 AveragePool): the kernel sums each output channel as its tiles are stored,
/// so the conv's output (676 KB for SqueezeNet's) is never written as a tensor and read
/// back, and the channel-lane tile skips its transposing store (about 3 % of that conv's
/// time). Kernels that cannot sum as they store (a residual to add, other paths) store
/// into scratch and average it there, the work of the two nodes unfused.
///
/// Only for Convs with constant fp32 weights whose output has no other consumer and is
/// not a graph output, and that carry no fused MaxPool. Run after `ReluFusion` and
/// `ResidualAddFusion`, so the fused node applies the residual and the Relu before
/// averaging. The fused node keeps the Conv's name, takes the pool's output ([N, C, 1, 1])
/// and is marked with `GlobalAveragePoolFusion.attribute`; it counts the pool's adds as
/// its own ops (docs/COUNTING.md).
public enum GlobalAveragePoolFusion {
    /// Attribute on a fused Conv; not an ONNX attribute: the loader refuses it in a model file
    /// (`GraphPasses.reservedAttributePrefix`).
    public static let attribute = "picojoule.fused_global_average_pool"

    static func run(_ graph: inout Graph) {
        var uses = GraphUses(graph)
        for (index, pool) in graph.nodes.enumerated() where pool.domain.isEmpty {
            guard pool.inputs.count == 1, pool.outputs.count == 1, let convType = graph.valueTypes[pool.inputs[0]],
                  convType.dtype == .float32, convType.shape.count >= 3, averagesWholePlanes(pool, input: convType.shape),
                  let ci = uses.soleProducer(of: pool.inputs[0]), isFusable(graph.nodes[ci], graph: graph) else { continue }
            var conv = graph.nodes[ci]
            conv.attributes[attribute] = .int(1)
            uses.absorb(index, into: ci, as: conv, in: &graph)
        }
        uses.dropAbsorbed(from: &graph)
    }

    /// A GlobalAveragePool, or an AveragePool whose window covers each input plane exactly
    /// once: kernel = the spatial extents, no pads, no dilation (its output is 1 × 1 and
    /// each output is the plane's mean, whatever its strides, ceil mode or
    /// count_include_pad).
    static func averagesWholePlanes(_ pool: Node, input shape: [Int]) -> Bool {
        if pool.opType == "GlobalAveragePool" { return true }
        guard pool.opType == "AveragePool", case .ints(let kernel)? = pool.attributes["kernel_shape"],
              kernel == Array(shape.dropFirst(2)) else { return false }
        if case .ints(let pads)? = pool.attributes["pads"], pads.contains(where: { $0 != 0 }) { return false }
        return !pool.dilates && pool.padsExplicitly
    }

    static func isFusable(_ conv: Node, graph: Graph) -> Bool {
        guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1, conv.inputs.count >= 2,
              conv.attributes[attribute] == nil, conv.attributes[MaxPoolFusion.attribute] == nil,
              let w = graph.initializers[conv.inputs[1]], w.dtype == .float32 else { return false }
        return true
    }
}
