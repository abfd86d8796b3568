import Foundation
import Hummingbird
import ServiceAPI

/// Encodes a value as the API's JSON (APICoding), with a status.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try APICoding.encoder().encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a JSON request body (at most `limit` bytes) with the API's conventions.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 1 << 20) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else { throw ServiceError.badRequest("the request needs a JSON body", code: "bad_body") }
        return try APICoding.decoder().decode(T.self, from: Data(buffer.readableBytesView))
    }
}

extension Parameters {
    /// A required integer path parameter; 400 when it is not one.
    func requireID(_ name: String) throws -> Int64 {
        guard let text = get(name), let id = Int64(text) else {
            throw ServiceError.badRequest("'\(get(name) ?? "")' is not a valid \(name)", code: "bad_parameter")
        }
        return id
    }
}
