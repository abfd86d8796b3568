import SwiftProtobuf

/// Reads ONNX model files into the graph IR.
public enum ModelLoader {
    /// The default-domain opset versions Picojoule's shape inference and kernels know.
    public static let supportedOpsets: ClosedRange<Int> = 6...21

    /// Loads the model at `path`; external data is read from the file's folder.
    public static func load(path: String, options: LoadOptions = .init()) throws(ModelError) -> LoadedModel {
        let size: Int
        do { size = try FileReader.size(path: path) } catch { throw .fileUnreadable(path: path, reason: error.reason) }
        guard size <= options.maxFileBytes else { throw .fileTooLarge(path: path, bytes: size, limit: options.maxFileBytes) }
        let bytes: [UInt8]
        do { bytes = try FileReader.read(path: path) } catch { throw .fileUnreadable(path: path, reason: error.reason) }
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let name = String(path.split(separator: "/").last ?? Substring(path))
        return try load(bytes: bytes, baseDirectory: folder.isEmpty ? "/" : folder, name: name, options: options)
    }

    /// Loads a model from its bytes. `baseDirectory` is where external data
    /// lives (nil refuses external data); `name` appears in error messages.
    public static func load(bytes: [UInt8], baseDirectory: String?, name: String, options: LoadOptions = .init()) throws(ModelError) -> LoadedModel {
        guard bytes.count <= options.maxFileBytes else { throw .fileTooLarge(path: name, bytes: bytes.count, limit: options.maxFileBytes) }
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw .corruptProtobuf(name: name, reason: String(describing: error))
        }
        guard proto.hasGraph else { throw .missingGraph(name: name) }
        let opsets = try readOpsets(proto, usesDefaultDomain: proto.graph.node.contains { $0.domain.isEmpty || $0.domain == "ai.onnx" })
        var graph = try GraphBuilder(baseDirectory: baseDirectory, options: options).build(proto.graph, opsets: opsets)
        if graph.name.isEmpty { graph.name = name }
        try LegacyBroadcast.run(&graph)
        if options.inferShapes { try ShapeInference.infer(&graph) }
        let producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return LoadedModel(graph: graph, irVersion: Int(proto.irVersion), producer: producer,
                           fileBytes: bytes.count, sha256: SHA256.hex(bytes))
    }

    /// Opset imports by domain ("" for ai.onnx). The default domain must be in
    /// `supportedOpsets` when any node uses it; com.microsoft contrib ops are accepted.
    private static func readOpsets(_ proto: Onnx_ModelProto, usesDefaultDomain: Bool) throws(ModelError) -> [String: Int] {
        var opsets: [String: Int] = [:]
        for o in proto.opsetImport {
            let domain = o.domain == "ai.onnx" ? "" : o.domain
            let version = Int(clamping: o.version)
            if domain.isEmpty && !supportedOpsets.contains(version) { throw .unsupportedOpset(domain: domain, version: version) }
            opsets[domain] = version
        }
        if usesDefaultDomain && opsets[""] == nil { throw .unsupportedOpset(domain: "", version: 0) }
        return opsets
    }
}
