import Foundation
import Hummingbird
import ServiceAPI
import Store

/// `POST /v1/jobs`, `GET /v1/jobs`, `GET /v1/jobs/{id}`, `GET /v1/jobs/{id}/events`
/// (NDJSON, one status per line until the job ends), `DELETE /v1/jobs/{id}` (cancel).
struct JobsController {
    let queue: JobQueue
    let models: ModelService
    let store: any ResultStore

    func addRoutes(to group: RouterGroup<PeerRequestContext>) {
        group.post("jobs") { request, _ in
            var body = try await JSONResponse.decode(JobRequest.self, from: request)
            body.model = try await models.resolve(body.model)
            return try JSONResponse.make(try await queue.submit(body), status: .accepted)
        }
        group.get("jobs") { request, _ in
            let query = request.uri.queryParameters
            var states: [JobRecord.State]?
            if let text = query.get("state") {
                states = try text.split(separator: ",").map { part in
                    guard let state = JobRecord.State(rawValue: String(part)) else {
                        throw ServiceError.badRequest("unknown state '\(part)'; use queued, running, succeeded, failed, cancelled or interrupted", code: "bad_parameter")
                    }
                    return state
                }
            }
            let limit = try ResultsController.limit(query.get("limit"))
            var statuses: [JobStatus] = []
            for job in try await store.jobs(states: states, limit: limit) { statuses.append(try await queue.status(of: job)) }
            return try JSONResponse.make(statuses)
        }
        group.get("jobs/{id}") { _, context in
            try JSONResponse.make(try await queue.status(id: try context.parameters.requireID("id")))
        }
        group.delete("jobs/{id}") { _, context in
            try JSONResponse.make(try await queue.cancel(id: try context.parameters.requireID("id")))
        }
        group.post("jobs/{id}/cancel") { _, context in
            try JSONResponse.make(try await queue.cancel(id: try context.parameters.requireID("id")))
        }
        group.get("jobs/{id}/events") { _, context in
            let stream = try await queue.events(id: try context.parameters.requireID("id"))
            let encoder = APICoding.encoder()
            let lines = stream.map { status -> ByteBuffer in
                var data = (try? encoder.encode(status)) ?? Data()
                data.append(UInt8(ascii: "\n"))
                return ByteBuffer(bytes: data)
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/x-ndjson"
            return Response(status: .ok, headers: headers, body: .init(asyncSequence: lines))
        }
    }
}
