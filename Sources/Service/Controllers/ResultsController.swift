import Foundation
import Hummingbird
import ServiceAPI
import Store

/// `GET /v1/results?model=&profile=&since=&until=&limit=`, `GET /v1/results/{id}`
/// (per-node rows included), `POST /v1/results/{id}/baseline`, `GET /v1/baselines`.
struct ResultsController {
    let store: any ResultStore
    let models: ModelService

    func addRoutes(to group: RouterGroup<PeerRequestContext>) {
        group.get("results") { request, _ in
            let q = request.uri.queryParameters
            var query = ResultQuery(limit: try Self.limit(q.get("limit")))
            if let model = q.get("model") { query.modelSHA256 = try await models.resolve(model) }
            query.profile = q.get("profile")
            query.since = try q.get("since").map { try Self.date($0, "since") }
            query.until = try q.get("until").map { try Self.date($0, "until") }
            let baselineIDs = Set(try await store.baselines().map(\.resultID))
            return try JSONResponse.make(ResultList(results: try await store.results(matching: query).map {
                Self.summary($0, isBaseline: baselineIDs.contains($0.id ?? -1))
            }))
        }
        group.get("results/{id}") { _, context in
            let id = try context.parameters.requireID("id")
            guard let record = try await store.result(id: id) else { throw ServiceError.notFound("result \(id)") }
            let baselineIDs = Set(try await store.baselines().map(\.resultID))
            let nodes = try await store.nodes(resultID: id).map {
                NodeSummary(index: $0.nodeIndex, name: $0.name, opType: $0.opType, energyJoules: $0.energyJoules,
                            latencySeconds: $0.latencySeconds, macs: $0.macs, bytesMoved: $0.bytesMoved,
                            boundBy: $0.boundBy, hostSeconds: $0.hostSeconds)
            }
            return try JSONResponse.make(ResultDetail(summary: Self.summary(record, isBaseline: baselineIDs.contains(id)),
                                                      nodes: nodes, result: try record.decodedResult()))
        }
        group.post("results/{id}/baseline") { _, context in
            let id = try context.parameters.requireID("id")
            guard try await store.result(id: id) != nil else { throw ServiceError.notFound("result \(id)") }
            let mark = try await store.setBaseline(resultID: id, at: Date())
            return try JSONResponse.make(BaselineMark(model: mark.modelSHA256, profile: mark.profile, resultID: mark.resultID))
        }
        group.get("baselines") { _, _ in
            try JSONResponse.make(try await store.baselines().map { BaselineMark(model: $0.modelSHA256, profile: $0.profile, resultID: $0.resultID) })
        }
    }

    static func summary(_ r: ResultRecord, isBaseline: Bool) -> ResultSummary {
        ResultSummary(id: r.id ?? -1, jobID: r.jobID, model: r.modelSHA256, modelName: r.modelName, profile: r.profile,
                      device: r.device, createdAt: r.createdAt, energyJoules: r.energyJoules, energySource: r.energySource,
                      latencySeconds: r.latencySeconds, latencySource: r.latencySource, peakRAMBytes: r.peakRAMBytes,
                      flashBytes: r.flashBytes, dataMovementBytes: r.dataMovementBytes, fileBytes: r.fileBytes,
                      isBaseline: isBaseline)
    }

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 50 }
        guard let n = Int(text), (1...10_000).contains(n) else {
            throw ServiceError.badRequest("limit must be a whole number from 1 to 10000", code: "bad_parameter")
        }
        return n
    }

    static func date(_ text: String, _ name: String) throws -> Date {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        throw ServiceError.badRequest("\(name) must be an ISO 8601 time (2026-11-22T10:00:00Z) or Unix seconds", code: "bad_parameter")
    }
}
