import Hummingbird

/// An error the API reports to its client: an HTTP status, a stable code and a
/// message a user can act on. Everything a handler throws becomes one of these in
/// `ErrorMiddleware`, so no client ever sees an empty 500.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [String: String]?

    public init(_ status: HTTPResponse.Status, code: String, message: String, details: [String: String]? = nil) {
        self.status = status; self.code = code; self.message = message; self.details = details
    }

    public var description: String { "\(code): \(message)" }

    static func badRequest(_ message: String, code: String = "bad_request", details: [String: String]? = nil) -> ServiceError {
        ServiceError(.badRequest, code: code, message: message, details: details)
    }
    static func notFound(_ what: String, code: String = "not_found") -> ServiceError {
        ServiceError(.notFound, code: code, message: "\(what) does not exist")
    }
    static func unknownModel(_ sha: String) -> ServiceError {
        ServiceError(.unprocessableContent, code: "unknown_model",
                     message: "no uploaded model has sha256 \(sha); upload it first with POST /v1/models",
                     details: ["model": sha])
    }
    static func unknownProfile(_ name: String, known: [String]) -> ServiceError {
        ServiceError(.unprocessableContent, code: "unknown_profile",
                     message: "there is no profile named '\(name)'; known profiles: \(known.joined(separator: ", "))",
                     details: ["profile": name])
    }
    static func corruptModel(_ reason: String) -> ServiceError {
        ServiceError(.unprocessableContent, code: "corrupt_model", message: "the upload is not a readable ONNX model: \(reason)")
    }
    static func modelTooLarge(limit: Int) -> ServiceError {
        ServiceError(.contentTooLarge, code: "model_too_large",
                     message: "the upload exceeds the daemon's limit of \(limit) bytes; start picojouled with a larger --max-model-bytes",
                     details: ["limitBytes": String(limit)])
    }
    static let shuttingDown = ServiceError(.serviceUnavailable, code: "shutting_down",
                                           message: "the daemon is stopping and accepts no new jobs; retry once it is restarted")
}
