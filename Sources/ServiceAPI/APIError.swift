/// The body of every error response: `{"error": {"code", "message", "details"}}`.
public struct APIErrorBody: Codable, Sendable, Hashable {
    public struct Detail: Codable, Sendable, Hashable {
        /// Stable, machine-readable (`unknown_profile`, `model_too_large`...).
        public var code: String
        /// One sentence a person can act on.
        public var message: String
        public var details: [String: String]?
        public init(code: String, message: String, details: [String: String]? = nil) {
            self.code = code; self.message = message; self.details = details
        }
    }
    public var error: Detail
    public init(code: String, message: String, details: [String: String]? = nil) {
        error = Detail(code: code, message: message, details: details)
    }
}
