import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceAPI
import Store

/// Turns every error a handler throws into `{"error": {code, message, details}}` with
/// a fitting status. The one place where errors meet HTTP (STYLE rule 6).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let mapped = Self.map(error)
            if mapped.status == .internalServerError {
                logger.error("\(request.method) \(request.uri.path) failed: \(String(reflecting: error))")
            }
            return Self.response(for: mapped)
        }
    }

    static func map(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError:
            return error
        case let error as StoreError where error.isNotFound:
            return ServiceError(.notFound, code: "not_found", message: error.description)
        case is DecodingError:
            return .badRequest("the request body is not valid JSON for this call: \(Self.describe(error as! DecodingError))", code: "bad_body")
        case is NIOTooManyBytesError:
            return ServiceError(.contentTooLarge, code: "body_too_large", message: "the request body is larger than this call accepts")
        case let error as HTTPError:
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            return ServiceError(error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        default:
            return ServiceError(.internalServerError, code: "internal", message: "the daemon failed: \(error)")
        }
    }

    static func response(for error: ServiceError) -> Response {
        let body = APIErrorBody(code: error.code, message: error.message, details: error.details)
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"error":{"code":"internal","message":"unencodable error"}}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
        case .dataCorrupted(let c): c.debugDescription
        @unknown default: "\(error)"
        }
    }
}
