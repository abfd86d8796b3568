import Foundation
import SwiftProtobuf

/// Reads the ONNX backend test data files (`input_0.pb`, `output_0.pb`): one serialized `TensorProto` each.
public enum TensorFile {
    /// The tensor in the `.pb` file at `path` and its name ("" when the file gives none).
    public static func readProto(path: String) throws(ModelError) -> (name: String, tensor: Tensor) {
        let bytes: [UInt8]
        do { bytes = try FileReader.read(path: path) } catch { throw .invalidTensorFile(path: path, reason: error.reason) }
        return try readProto(bytes: bytes, name: path)
    }

    /// Decodes a serialized `TensorProto`; `name` appears in error messages.
    public static func readProto(bytes: [UInt8], name: String) throws(ModelError) -> (name: String, tensor: Tensor) {
        let proto: Onnx_TensorProto
        do { proto = try Onnx_TensorProto(serializedBytes: bytes) } catch {
            throw .invalidTensorFile(path: name, reason: "not a TensorProto: \(error)")
        }
        // External data is refused: a test file stands alone.
        let tensor = try TensorDecoder.decode(proto, name: proto.name.isEmpty ? name : proto.name, baseDirectory: nil)
        return (proto.name, tensor)
    }

    /// Serializes `tensor` as a `TensorProto` with raw_data, the format `readProto` and onnx's `numpy_helper` read.
    public static func protoBytes(name: String, tensor: Tensor) -> [UInt8] {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dataType = tensor.dtype.onnxCode
        proto.dims = tensor.shape.map { Int64($0) }
        proto.rawData = Data(bytes: tensor.storage.bytes, count: tensor.byteCount)
        return (try? proto.serializedBytes()) ?? []
    }
}
