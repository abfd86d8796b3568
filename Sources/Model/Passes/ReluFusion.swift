/// Fuses a Relu into the fp32 or fp16 Conv or BatchNormalization that feeds it (an fp16
/// node runs the fp32 kernel between widening and narrowing, so the clamp happens before
/// narrowing): the kernel clamps at zero as it stores its output, so the activation is
/// never written and re-read as a tensor of its own (a Relu after every conv was 5–10 %
/// of ShuffleNet's and SqueezeNet's time; DenseNet's pre-activation BatchNormalization →
/// Relu pairs follow each Concat).
///
/// Only when the Conv output has no other consumer and is not a graph output. The
/// fused node keeps its name, takes the Relu's output, and is marked with
/// `ReluFusion.attribute`; it counts the Relu's compares as its own ops
/// (docs/COUNTING.md).
public enum ReluFusion {
    /// Attribute on a fused Conv or BatchNormalization; not an ONNX attribute: the loader refuses it in a model file
    /// (`GraphPasses.reservedAttributePrefix`).
    public static let attribute = "picojoule.fused_relu"

    static func run(_ graph: inout Graph) {
        var uses = GraphUses(graph)
        for (reluIndex, relu) in graph.nodes.enumerated() where relu.opType == "Relu" && relu.domain.isEmpty {
            guard relu.inputs.count == 1, relu.outputs.count == 1 else { continue }
            let x = relu.inputs[0]
            guard let ci = uses.soleProducer(of: x) else { continue }
            var producer = graph.nodes[ci]
            guard producer.opType == "Conv" || producer.opType == "BatchNormalization", producer.domain.isEmpty, producer.outputs.count == 1, producer.attributes[attribute] == nil,
                  let dtype = graph.valueTypes[x]?.dtype, dtype == .float32 || dtype == .float16 else { continue }
            producer.attributes[attribute] = .int(1)
            uses.absorb(reluIndex, into: ci, as: producer, in: &graph)
        }
        uses.dropAbsorbed(from: &graph)
    }
}
