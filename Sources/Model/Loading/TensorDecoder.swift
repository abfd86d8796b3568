/// Turns a `TensorProto` into a `Tensor`: raw little-endian bytes, the typed
/// repeated fields, or external data next to the model.
enum TensorDecoder {
    /// Decodes `proto`; `baseDirectory` is the model's folder for external data
    /// (nil refuses external data), `maxBytes` caps one external read.
    static func decode(_ proto: Onnx_TensorProto, name: String, baseDirectory: String?, maxBytes: Int = Int.max) throws(ModelError) -> Tensor {
        guard let dtype = DType(onnxCode: proto.dataType), dtype != .string else {
            if proto.dataType == Onnx_TensorProto.DataType.string.rawValue {
                throw .unsupportedTensorData(tensor: name, reason: "string tensors are not supported")
            }
            throw .unknownDType(value: name, code: Int(proto.dataType))
        }
        if proto.hasSegment { throw .unsupportedTensorData(tensor: name, reason: "segmented tensors are not supported") }
        var shape: [Int] = []
        for d in proto.dims { shape.append(try ShapeLimits.dimension(d, value: name, shape: proto.dims)) }
        let count = try ShapeLimits.checkedCount(shape, value: name)
        let byteCount = dtype.byteCount(elements: count)

        if proto.dataLocation == .external {
            let bytes = try ExternalData.read(proto, tensor: name, baseDirectory: baseDirectory, expectedBytes: byteCount, maxBytes: maxBytes)
            return fromBytes(bytes, dtype: dtype, shape: shape)
        }
        if proto.hasRawData {
            guard proto.rawData.count == byteCount else {
                throw .rawDataSizeMismatch(tensor: name, expectedBytes: byteCount, actualBytes: proto.rawData.count)
            }
            let tensor = Tensor(dtype: dtype, shape: shape)
            // ONNX stores raw_data little endian, as are all hosts Picojoule runs on.
            proto.rawData.withUnsafeBytes { src in
                if let base = src.baseAddress, src.count > 0 { tensor.storage.bytes.copyMemory(from: base, byteCount: src.count) }
            }
            return tensor
        }
        return try decodeTyped(proto, name: name, dtype: dtype, shape: shape, count: count)
    }

    /// Wraps external bytes already checked to be exactly the tensor's size.
    static func fromBytes(_ bytes: [UInt8], dtype: DType, shape: [Int]) -> Tensor {
        let tensor = Tensor(dtype: dtype, shape: shape)
        bytes.withUnsafeBytes { src in
            if let base = src.baseAddress, src.count > 0 { tensor.storage.bytes.copyMemory(from: base, byteCount: src.count) }
        }
        return tensor
    }

    private static func decodeTyped(_ p: Onnx_TensorProto, name: String, dtype: DType, shape: [Int], count: Int) throws(ModelError) -> Tensor {
        func check(_ actual: Int, _ expected: Int) throws(ModelError) {
            guard actual == expected else { throw .dataCountMismatch(tensor: name, expected: expected, actual: actual) }
        }
        switch dtype {
        case .float32:
            try check(p.floatData.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.floatData)
        case .float64:
            try check(p.doubleData.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.doubleData)
        case .int64:
            try check(p.int64Data.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.int64Data)
        case .uint64:
            try check(p.uint64Data.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.uint64Data)
        case .uint32:
            try check(p.uint64Data.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        case .int32:
            try check(p.int32Data.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.int32Data)
        case .int16, .uint16, .float16, .bfloat16:
            // 16-bit types (fp16/bf16 as their bit patterns) take one int32 each.
            try check(p.int32Data.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.int32Data.map { UInt16(truncatingIfNeeded: $0) })
        case .int8, .uint8, .bool:
            try check(p.int32Data.count, count)
            return Tensor(dtype: dtype, shape: shape, values: p.int32Data.map { UInt8(truncatingIfNeeded: $0) })
        case .int4, .uint4:
            // Two 4-bit elements per int32 entry, first element in the low nibble: the same bytes as raw_data.
            try check(p.int32Data.count, (count + 1) / 2)
            return fromBytes(p.int32Data.map { UInt8(truncatingIfNeeded: $0) }, dtype: dtype, shape: shape)
        case .string:
            throw .unsupportedTensorData(tensor: name, reason: "string tensors are not supported")
        }
    }
}
