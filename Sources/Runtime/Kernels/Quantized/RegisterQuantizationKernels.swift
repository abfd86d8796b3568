import Model

/// Registers quantize/dequantize, the com.microsoft QLinear* elementwise, pooling
/// and softmax kernels, MatMulNBits, the integer MaxPool/Clip used by QDQ fusion,
/// and the float16 variants of the float kernels. Runs after the float kernels are
/// registered: the float16 variants wrap them.
func registerQuantizationKernels(_ r: inout KernelRegistry) {
    r.register("QuantizeLinear", dtypes: [.float32, .float16], quantizeLinearFactory)
    r.register("DequantizeLinear", dtypes: [.int8, .uint8, .int16, .uint16, .int32, .int4, .uint4], dequantizeLinearFactory)
    r.register("DynamicQuantizeLinear", dtypes: [.float32], dynamicQuantizeLinearFactory)
    // onnxruntime also accepts the two in the contrib domain (QDQ models from older quantizers).
    r.register("QuantizeLinear", domain: "com.microsoft", dtypes: [.float32, .float16], quantizeLinearFactory)
    r.register("DequantizeLinear", domain: "com.microsoft", dtypes: [.int8, .uint8, .int16, .uint16, .int32, .int4, .uint4], dequantizeLinearFactory)
    let ms = "com.microsoft"
    r.register("QLinearAdd", domain: ms, dtypes: [.int8, .uint8], qlinearAddFactory)
    r.register("QLinearMul", domain: ms, dtypes: [.int8, .uint8], qlinearMulFactory)
    // Keyed by input 0, which is Y_scale.
    r.register("QLinearConcat", domain: ms, dtypes: [.float32], qlinearConcatFactory)
    r.register("QLinearGlobalAveragePool", domain: ms, dtypes: [.int8, .uint8], qlinearGlobalAveragePoolFactory)
    r.register("QLinearAveragePool", domain: ms, dtypes: [.int8, .uint8], quantizedPoolFactory(isMax: false))
    r.register("QLinearSoftmax", domain: ms, dtypes: [.int8, .uint8], qlinearSoftmaxFactory)
    r.register("MatMulNBits", domain: ms, dtypes: [.float32], matMulNBitsFactory)
    // Integer forms that QDQ fusion emits for ops that commute with quantization.
    r.register("MaxPool", dtypes: [.int8, .uint8], quantizedPoolFactory(isMax: true))
    // Replaces the generic per-element integer Clip/Relu for the 8-bit types.
    r.register("Clip", dtypes: [.int8, .uint8], byteClampFactory(relu: false))
    r.register("Relu", dtypes: [.int8, .uint8], byteClampFactory(relu: true))
    // Last: wraps every float32 kernel registered so far that has no float16 form.
    registerFloat16Kernels(&r)
}
