import Foundation
import Hummingbird
import NIOCore
import ServiceAPI
import Store

/// `POST /v1/models` (the body is the model's bytes), `GET /v1/models`, `GET /v1/models/{sha256}`.
struct ModelsController {
    let service: ModelService

    func addRoutes(to group: RouterGroup<PeerRequestContext>) {
        group.post("models") { request, _ in
            let name = request.uri.queryParameters.get("name") ?? "model.onnx"
            // Refuse an oversized upload from its header, before reading it.
            if let length = request.headers[.contentLength].flatMap(Int.init), length > service.maxBytes {
                throw ServiceError.modelTooLarge(limit: service.maxBytes)
            }
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: service.maxBytes) } catch is NIOTooManyBytesError {
                throw ServiceError.modelTooLarge(limit: service.maxBytes)
            }
            let (info, created) = try await service.upload(Array(body.readableBytesView), name: name)
            return try JSONResponse.make(info, status: created ? .created : .ok)
        }
        group.get("models") { _, _ in try JSONResponse.make(try await service.list()) }
        group.get("models/{sha256}") { _, context in
            try JSONResponse.make(try await service.info(sha256: context.parameters.get("sha256") ?? ""))
        }
    }
}

/// Stores and describes uploads.
struct ModelService: Sendable {
    let store: any ResultStore
    let files: ModelFiles
    let inspector: any ModelInspector
    let maxBytes: Int

    /// Inspects, then stores bytes and row. Returns the info and whether it was new.
    func upload(_ bytes: [UInt8], name: String) async throws -> (ModelInfo, Bool) {
        let cleanName = String(name.split(separator: "/").last ?? "model.onnx").prefix(200)
        let inspection = try inspector.inspect(bytes, name: String(cleanName))
        let sha = try files.store(bytes)
        let json = String(decoding: try APICoding.encoder().encode(inspection), as: UTF8.self)
        let record = ModelRecord(sha256: sha, name: String(cleanName), format: inspection.format, sizeBytes: bytes.count,
                                 inspectionJSON: json, uploadedAt: Date())
        let stored = try await store.saveModel(record)
        return (try Self.info(stored), stored == record)
    }

    func list() async throws -> [ModelInfo] { try await store.models().map(Self.info) }

    func info(sha256: String) async throws -> ModelInfo {
        guard let record = try await store.model(sha256: sha256.lowercased()) else { throw ServiceError.notFound("model \(sha256)", code: "unknown_model") }
        return try Self.info(record)
    }

    static func info(_ record: ModelRecord) throws -> ModelInfo {
        let i = try APICoding.decoder().decode(ModelInspection.self, from: Data(record.inspectionJSON.utf8))
        return ModelInfo(sha256: record.sha256, name: record.name, format: record.format, sizeBytes: record.sizeBytes,
                         inputs: i.inputs, outputs: i.outputs, dtypes: i.dtypes, parameters: i.parameters,
                         parameterBytes: i.parameterBytes, nodeCount: i.nodeCount, opsetVersion: i.opsetVersion,
                         uploadedAt: record.uploadedAt, inspected: i.complete)
    }

    /// A model given by hash, hash prefix (8+ hex digits) or upload name (the newest upload of that name).
    func resolve(_ reference: String) async throws -> String {
        let lower = reference.lowercased()
        if lower.count == 64, try await store.model(sha256: lower) != nil { return lower }
        let models = try await store.models()
        if let byName = models.first(where: { $0.name == reference }) { return byName.sha256 }
        if lower.count >= 8, let byPrefix = models.first(where: { $0.sha256.hasPrefix(lower) }) { return byPrefix.sha256 }
        throw ServiceError.notFound("model '\(reference)'", code: "unknown_model")
    }
}
