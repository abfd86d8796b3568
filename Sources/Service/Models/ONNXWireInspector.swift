import ServiceAPI

/// Inspects an ONNX file from its protobuf structure alone (ModelProto → GraphProto:
/// inputs, outputs, initializer shapes and types, node count, opset). It does not
/// need the Model module's loader, so an upload can be checked and described
/// before any job runs; field numbers are those of onnx.proto.
public struct ONNXWireInspector: ModelInspector {
    public init() {}

    public func inspect(_ bytes: [UInt8], name: String) throws -> ModelInspection {
        do {
            return try parse(bytes[...])
        } catch let error as ProtobufReader.Malformed {
            throw ServiceError.corruptModel(error.description)
        }
    }

    private func parse(_ bytes: ArraySlice<UInt8>) throws -> ModelInspection {
        guard !bytes.isEmpty else { throw ServiceError.corruptModel("the upload is empty") }
        var graph: ArraySlice<UInt8>?
        var opset: Int?
        var irVersion: UInt64?
        for (number, field) in try ProtobufReader.fields(bytes) {
            switch (number, field) {
            case (1, .varint(let v)): irVersion = v
            case (7, .bytes(let g)): graph = g
            case (8, .bytes(let o)):
                // OperatorSetIdProto: domain (1), version (2). The default domain is "".
                var domain = "", version = 0
                for (n, f) in try ProtobufReader.fields(o) {
                    if n == 1, case .bytes(let d) = f { domain = String(decoding: d, as: UTF8.self) }
                    if n == 2, case .varint(let v) = f { version = Int(truncatingIfNeeded: v) }
                }
                if domain.isEmpty || domain == "ai.onnx" { opset = version }
            default: break
            }
        }
        guard irVersion != nil, let graph else {
            throw ServiceError.corruptModel("no ir_version or graph field: this is not an ONNX ModelProto")
        }
        var inputs: [TensorInfo] = [], outputs: [TensorInfo] = []
        var nodes = 0
        var initializerNames: Set<String> = []
        var parameters: [String: Int] = [:], parameterBytes: [String: Double] = [:]
        for (number, field) in try ProtobufReader.fields(graph) {
            guard case .bytes(let body) = field else { continue }
            switch number {
            case 1: nodes += 1
            case 5:
                let (tensorName, dtype, count) = try initializer(body)
                initializerNames.insert(tensorName)
                parameters[dtype.name, default: 0] += count
                parameterBytes[dtype.name, default: 0] += Double(count) * dtype.bytes
            case 11: inputs.append(try valueInfo(body))
            case 12: outputs.append(try valueInfo(body))
            default: break
            }
        }
        guard !outputs.isEmpty else { throw ServiceError.corruptModel("the graph declares no outputs") }
        // Older exporters list initializers among the inputs; those are weights, not inputs.
        inputs.removeAll { initializerNames.contains($0.name) }
        let dtypes = Set(parameters.keys).union(inputs.map(\.dtype)).union(outputs.map(\.dtype)).sorted()
        return ModelInspection(format: "onnx", inputs: inputs, outputs: outputs, dtypes: dtypes, parameters: parameters,
                               parameterBytes: parameterBytes.mapValues { Int($0.rounded(.up)) }, nodeCount: nodes,
                               opsetVersion: opset, complete: true)
    }

    /// TensorProto: dims (1), data_type (2), name (8).
    private func initializer(_ body: ArraySlice<UInt8>) throws -> (String, ONNXElementType, Int) {
        var dims: [UInt64] = [], type = ONNXElementType(code: 0), name = ""
        for (n, f) in try ProtobufReader.fields(body) {
            switch n {
            case 1: dims += try ProtobufReader.varints(f)
            case 2: if case .varint(let v) = f { type = ONNXElementType(code: Int(truncatingIfNeeded: v)) }
            case 8: if case .bytes(let s) = f { name = String(decoding: s, as: UTF8.self) }
            default: break
            }
        }
        let count = dims.reduce(1) { $0 * Int(truncatingIfNeeded: $1) }
        return (name, type, count)
    }

    /// ValueInfoProto: name (1), type (2) → TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1).
    private func valueInfo(_ body: ArraySlice<UInt8>) throws -> TensorInfo {
        var name = "", dtype = "unknown", shape: [String] = []
        for (n, f) in try ProtobufReader.fields(body) {
            if n == 1, case .bytes(let s) = f { name = String(decoding: s, as: UTF8.self) }
            guard n == 2, case .bytes(let typeProto) = f else { continue }
            for (tn, tf) in try ProtobufReader.fields(typeProto) where tn == 1 {
                guard case .bytes(let tensorType) = tf else { continue }
                for (en, ef) in try ProtobufReader.fields(tensorType) {
                    if en == 1, case .varint(let v) = ef { dtype = ONNXElementType(code: Int(truncatingIfNeeded: v)).name }
                    guard en == 2, case .bytes(let shapeProto) = ef else { continue }
                    for (dn, df) in try ProtobufReader.fields(shapeProto) where dn == 1 {
                        guard case .bytes(let dim) = df else { continue }
                        var text = "?"
                        for (vn, vf) in try ProtobufReader.fields(dim) {
                            if vn == 1, case .varint(let v) = vf { text = String(Int64(bitPattern: v)) }
                            if vn == 2, case .bytes(let p) = vf { text = String(decoding: p, as: UTF8.self) }
                        }
                        shape.append(text)
                    }
                }
            }
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape)
    }
}

/// TensorProto.DataType codes and their element sizes.
struct ONNXElementType {
    let name: String
    let bytes: Double

    init(code: Int) {
        switch code {
        case 1: (name, bytes) = ("float32", 4)
        case 2: (name, bytes) = ("uint8", 1)
        case 3: (name, bytes) = ("int8", 1)
        case 4: (name, bytes) = ("uint16", 2)
        case 5: (name, bytes) = ("int16", 2)
        case 6: (name, bytes) = ("int32", 4)
        case 7: (name, bytes) = ("int64", 8)
        case 9: (name, bytes) = ("bool", 1)
        case 10: (name, bytes) = ("float16", 2)
        case 11: (name, bytes) = ("float64", 8)
        case 12: (name, bytes) = ("uint32", 4)
        case 13: (name, bytes) = ("uint64", 8)
        case 16: (name, bytes) = ("bfloat16", 2)
        case 21: (name, bytes) = ("uint4", 0.5)
        case 22: (name, bytes) = ("int4", 0.5)
        default: (name, bytes) = ("type\(code)", 0)
        }
    }
}
