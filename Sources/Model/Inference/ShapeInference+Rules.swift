/// The operator table: which shape rule each (domain, op) uses.
extension ShapeInference {
    static let unary: Set<String> = [
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign",
        "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Floor", "Ceil", "Round", "Sin", "Cos", "Tan", "Asin", "Acos",
        "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Sign", "Gelu", "ThresholdedRelu", "Mish", "Identity",
        "Softmax", "LogSoftmax", "Hardmax", "LRN", "InstanceNormalization", "Clip", "Shrink", "FastGelu",
    ]
    static let binary: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Mod", "PRelu", "BitShift"]
    static let comparison: Set<String> = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"]
    static let reductions: Set<String> = [
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
    ]

    /// The operators shape inference knows, by domain ("" is ai.onnx), for `inspect` and the CLI.
    public static var supportedOperators: [String: Set<String>] {
        let onnx = unary.union(binary).union(comparison).union(reductions).union([
            "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
            "BatchNormalization", "Gemm", "MatMul", "Where", "Not", "IsNaN", "IsInf", "ArgMax", "ArgMin", "Reshape", "Flatten",
            "Transpose", "Concat", "Split", "Slice", "Pad", "Squeeze", "Unsqueeze", "Tile", "Gather", "Expand", "Dropout",
            "Shape", "Size", "Constant", "ConstantOfShape", "Cast", "CastLike", "Range", "Upsample", "Resize", "DepthToSpace",
            "SpaceToDepth", "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "DynamicQuantizeLinear",
            "MatMulInteger", "ConvInteger", "LayerNormalization",
        ])
        let microsoft: Set<String> = [
            "QGemm", "QLinearAdd", "QLinearMul", "QLinearConcat", "QLinearGlobalAveragePool", "QLinearAveragePool",
            "QLinearSoftmax", "MatMulNBits", "QuantizeLinear", "DequantizeLinear", "FastGelu", "Gelu",
        ]
        return ["": onnx, "com.microsoft": microsoft]
    }

    static func rule(_ c: OpContext) throws(ModelError) -> [TensorType] {
        let op = c.node.opType
        let domain = c.node.domain
        guard supportedOperators[domain]?.contains(op) == true else {
            throw .unsupportedOperator(node: c.node.name, opType: op, domain: domain)
        }
        if unary.contains(op) { return [try c.type(0)] }
        // PRelu's slope broadcasts to X only (unidirectional), and a 1-D slope of length C
        // on [N, C, ...] means per channel (opset 6 exports): the output is X's type,
        // the rule the kernel applies (preluShapes).
        if op == "PRelu", c.has(0), c.has(1), (try c.shape(1)).count == 1, (try c.shape(0)).count >= 2,
           (try c.shape(1))[0] == (try c.shape(0))[1] { return [try c.type(0)] }
        if binary.contains(op) { return [try broadcastAll(c, dtypeFrom: 0)] }
        if comparison.contains(op) { return [TensorType(dtype: .bool, shape: try broadcastAll(c, dtypeFrom: 0).shape)] }
        if reductions.contains(op) { return [try reduce(c)] }
        switch op {
        case "Conv", "ConvInteger", "QLinearConv": return [try conv(c)]
        case "ConvTranspose": return [try convTranspose(c)]
        case "MaxPool", "AveragePool", "LpPool", "QLinearAveragePool": return try pool(c)
        case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "QLinearGlobalAveragePool": return [try globalPool(c)]
        case "BatchNormalization": return try batchNorm(c)
        case "LayerNormalization": return try layerNorm(c)
        case "Gemm", "QGemm": return [try gemm(c)]
        case "MatMul", "MatMulInteger", "QLinearMatMul": return [try matmul(c)]
        case "MatMulNBits": return [try matmulNBits(c)]
        case "Where":
            let s = try c.broadcast([c.shape(0), c.shape(1), c.shape(2)])
            return [TensorType(dtype: try c.type(1).dtype, shape: s)]
        case "Not", "IsNaN", "IsInf": return [TensorType(dtype: .bool, shape: try c.shape(0))]
        case "ArgMax", "ArgMin": return [try argReduce(c)]
        case "Dropout":
            let x = try c.type(0)
            return [x, TensorType(dtype: .bool, shape: x.shape)]
        case "Cast": return [TensorType(dtype: try castTarget(c), shape: try c.shape(0))]
        case "CastLike": return [TensorType(dtype: try c.type(1).dtype, shape: try c.shape(0))]
        case "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearAdd", "QLinearMul", "QLinearConcat",
             "QLinearSoftmax":
            return try quantized(c)
        default: return try shapeOp(c)
        }
    }

    static func broadcastAll(_ c: OpContext, dtypeFrom index: Int) throws(ModelError) -> TensorType {
        var shapes: [[Int]] = []
        for i in c.inputTypes.indices where c.has(i) { shapes.append(try c.shape(i)) }
        guard !shapes.isEmpty else { throw c.invalid("needs at least one input") }
        return TensorType(dtype: try c.type(index).dtype, shape: try c.broadcast(shapes))
    }

    static func castTarget(_ c: OpContext) throws(ModelError) -> DType {
        let code = try c.int("to", 0)
        guard let d = DType(onnxCode: Int32(clamping: code)) else { throw .unknownDType(value: c.node.outputs.first ?? c.node.name, code: code) }
        return d
    }
}
