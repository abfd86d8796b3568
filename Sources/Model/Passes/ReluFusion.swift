/// Fuses a Relu into the fp32 or fp16 Conv that feeds it (an fp16 Conv runs the fp32
/// kernel between widening and narrowing, so the clamp happens before narrowing): the Conv's kernel clamps at zero as
/// it stores each tile, so the activation is never written and re-read as a tensor
/// of its own (a Relu after every conv was 5–10 % of ShuffleNet's and SqueezeNet's time).
///
/// Only when the Conv output has no other consumer and is not a graph output. The
/// fused node keeps the Conv's name, takes the Relu's output, and is marked with
/// `ReluFusion.attribute`; it counts the Relu's compares as its own ops
/// (docs/COUNTING.md).
public enum ReluFusion {
    /// Attribute on a fused Conv; not an ONNX attribute, so no model file can set it.
    public static let attribute = "picojoule.fused_relu"

    static func run(_ graph: inout Graph) {
        var uses = GraphUses(graph)
        var removed = Set<Int>()
        for (reluIndex, relu) in graph.nodes.enumerated() where relu.opType == "Relu" && relu.domain.isEmpty {
            guard relu.inputs.count == 1, relu.outputs.count == 1 else { continue }
            let x = relu.inputs[0]
            guard let ci = uses.soleProducer(of: x), !removed.contains(ci) else { continue }
            var conv = graph.nodes[ci]
            guard conv.opType == "Conv", conv.domain.isEmpty, conv.outputs.count == 1, conv.attributes[attribute] == nil,
                  let dtype = graph.valueTypes[x]?.dtype, dtype == .float32 || dtype == .float16 else { continue }
            conv.attributes[attribute] = .int(1)
            conv.outputs = [relu.outputs[0]]
            graph.nodes[ci] = conv
            uses.setProducer(of: relu.outputs[0], to: ci)
            removed.insert(reluIndex)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
