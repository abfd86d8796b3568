/// Shape rules for quantize/dequantize and the com.microsoft QLinear* ops.
extension ShapeInference {
    static func quantized(_ c: OpContext) throws(ModelError) -> [TensorType] {
        let x = try c.type(0)
        switch c.node.opType {
        case "QuantizeLinear":
            // Output type: the zero point's, else `output_dtype` (opset 21), else uint8.
            var dtype = DType.uint8
            if c.has(2) { dtype = try c.type(2).dtype } else if let code = c.node.attributes["output_dtype"], case .int(let v) = code, v != 0 {
                guard let d = DType(onnxCode: Int32(clamping: v)) else { throw .unknownDType(value: c.node.name, code: v) }
                dtype = d
            }
            return [TensorType(dtype: dtype, shape: x.shape)]
        case "DequantizeLinear":
            return [TensorType(dtype: try c.type(1).dtype, shape: x.shape)]
        case "DynamicQuantizeLinear":
            return [TensorType(dtype: .uint8, shape: x.shape), TensorType(dtype: .float32, shape: []), TensorType(dtype: .uint8, shape: [])]
        case "QLinearAdd", "QLinearMul":
            let shape = try c.broadcast([x.shape, c.shape(3)])
            return [TensorType(dtype: c.has(7) ? try c.type(7).dtype : x.dtype, shape: shape)]
        case "QLinearSoftmax":
            return [TensorType(dtype: c.has(4) ? try c.type(4).dtype : x.dtype, shape: x.shape)]
        case "QLinearConcat":
            // Inputs: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per tensor.
            var shapes: [[Int]] = []
            var i = 2
            while i < c.inputTypes.count { shapes.append(try c.shape(i)); i += 3 }
            let shape = try concatShape(c, shapes)
            return [TensorType(dtype: try c.type(1).dtype, shape: shape)]
        default:
            throw .unsupportedOperator(node: c.node.name, opType: c.node.opType, domain: c.node.domain)
        }
    }
}
