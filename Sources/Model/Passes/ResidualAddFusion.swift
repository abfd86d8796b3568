/// Fuses a residual Add (or two-input Sum) into the fp32 or fp16 Conv that produces one
/// of its operands: the Conv takes the other operand as a fourth input and adds it as it
/// stores its output, so the Conv's result is never written and read back as a tensor
/// of its own (ResNet-50's 16 Sums and the Relus after them were 2.4 % of its time;
/// onnxruntime's FusedConv does the same). `ReluFusion`, run after, then fuses the Relu
/// that follows, which the kernels apply after the addition. An fp16 Conv runs the fp32
/// kernel between conversions (`Float16Kernel`), which widens the residual with its
/// other inputs and rounds the sum to fp16 once instead of twice; ShuffleNet's fp16 Sums
/// and the Relus after them were 8 % of its fp16 time.
///
/// Only when the Conv output has no other consumer and is not a graph output, both
/// operands have the Add's output shape (no broadcasting), and the other operand is
/// computed before the Conv runs (a graph input, a constant, or the output of an
/// earlier node): of two Conv operands the later one takes the Add. The fused node keeps
/// the Conv's name, takes the Add's output and is marked with
/// `ResidualAddFusion.attribute`; it counts the Add's additions as its own ops
/// (docs/COUNTING.md).
public enum ResidualAddFusion {
    /// Attribute on a fused Conv; not an ONNX attribute: the loader refuses it in a model file
    /// (`GraphPasses.reservedAttributePrefix`).
    public static let attribute = "picojoule.fused_residual"

    static func run(_ graph: inout Graph) {
        var uses = GraphUses(graph)
        for (index, add) in graph.nodes.enumerated() where (add.opType == "Add" || add.opType == "Sum") && add.domain.isEmpty {
            guard add.inputs.count == 2, add.outputs.count == 1,
                  let outType = graph.valueTypes[add.outputs[0]], outType.dtype == .float32 || outType.dtype == .float16 else { continue }
            var best: (conv: Int, other: String)?
            for (i, value) in add.inputs.enumerated() {
                let other = add.inputs[1 - i]
                let otherType = graph.valueTypes[other] ?? graph.initializers[other].map { TensorType(dtype: $0.dtype, shape: $0.shape) }
                guard value != other, let ci = uses.soleProducer(of: value), isFusable(graph.nodes[ci]),
                      graph.valueTypes[value] == outType, otherType == outType else { continue }
                if let p = uses.producerIndex(of: other), p >= ci { continue }
                if best == nil || ci > best!.conv { best = (ci, other) }
            }
            guard let (ci, other) = best else { continue }
            var conv = graph.nodes[ci]
            while conv.inputs.count < 3 { conv.inputs.append("") }
            conv.inputs.append(other)
            conv.attributes[attribute] = .int(1)
            uses.absorb(index, into: ci, as: conv, in: &graph)
        }
        uses.dropAbsorbed(from: &graph)
    }

    static func isFusable(_ conv: Node) -> Bool {
        conv.opType == "Conv" && conv.domain.isEmpty && conv.outputs.count == 1 && conv.inputs.count <= 3
            && conv.attributes[attribute] == nil && conv.attributes[ReluFusion.attribute] == nil
    }
}
