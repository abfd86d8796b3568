@_exported import ServiceAPI
import Device
import Foundation

/// Talks to `picojouled` over its Unix socket: HTTP/1.1 + JSON (docs/openapi.yaml).
public struct PicojouleClient: Sendable {
    public let socketPath: String
    /// Seconds an ordinary call may stall; uploads get longer and event streams none.
    public var timeout: Double = 60

    public init(socketPath: String) { self.socketPath = socketPath }

    /// Throws `noDaemon` / `permissionDenied` when the socket does not answer.
    public func checkReachable() throws {
        switch SocketProbe.check(socketPath) {
        case .answers: return
        case .denied: throw ClientError.permissionDenied(socket: socketPath)
        case .absent, .refused: throw ClientError.noDaemon(socket: socketPath)
        }
    }

    // MARK: Calls

    public func health() async throws -> HealthInfo { try await get("/v1/health") }
    public func host() async throws -> Data { try await raw(.GET, "/v1/host").body }
    public func devices() async throws -> [DeviceSpec] { try await get("/v1/devices") }
    public func profiles() async throws -> [DeviceProfile] { try await get("/v1/profiles") }
    public func profile(named name: String) async throws -> DeviceProfile { try await get("/v1/profiles/\(escape(name))") }
    public func models() async throws -> [ModelInfo] { try await get("/v1/models") }

    /// Uploads model bytes; the daemon stores them under their SHA-256.
    public func upload(_ bytes: [UInt8], name: String) async throws -> ModelInfo {
        let response = try await raw(.POST, "/v1/models?name=\(escape(name))", body: bytes, contentType: "application/octet-stream", timeout: 600)
        return try decode(response)
    }

    /// Uploads a file the client reads with the user's own rights.
    public func upload(file path: String) async throws -> ModelInfo {
        guard let data = FileManager.default.contents(atPath: path) else { throw ClientError.input("cannot read \(path)") }
        return try await upload(Array(data), name: (path as NSString).lastPathComponent)
    }

    public func submit(_ request: JobRequest) async throws -> JobStatus { try await send(.POST, "/v1/jobs", request) }
    public func job(_ id: Int64) async throws -> JobStatus { try await get("/v1/jobs/\(id)") }
    public func cancel(_ id: Int64) async throws -> JobStatus { try decode(try await raw(.DELETE, "/v1/jobs/\(id)")) }

    public func results(model: String? = nil, profile: String? = nil, since: Date? = nil, limit: Int? = nil) async throws -> [ResultSummary] {
        var query: [String] = []
        if let model { query.append("model=\(escape(model))") }
        if let profile { query.append("profile=\(escape(profile))") }
        if let since { query.append("since=\(Int(since.timeIntervalSince1970))") }
        if let limit { query.append("limit=\(limit)") }
        let list: ResultList = try await get("/v1/results" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        return list.results
    }
    public func result(_ id: Int64) async throws -> ResultDetail { try await get("/v1/results/\(id)") }
    /// Only the headline figures of a result: decoding them does not depend on the
    /// full result schema, so a client works against an older or newer daemon.
    public func resultSummary(_ id: Int64) async throws -> ResultSummary {
        struct SummaryOnly: Decodable { var summary: ResultSummary }
        let detail: SummaryOnly = try await get("/v1/results/\(id)")
        return detail.summary
    }
    public func setBaseline(_ id: Int64) async throws -> BaselineMark { try decode(try await raw(.POST, "/v1/results/\(id)/baseline")) }
    public func gate(_ request: GateRequest) async throws -> GateReport { try await send(.POST, "/v1/gate", request) }
    public func metrics() async throws -> String { String(decoding: try await raw(.GET, "/metrics").body, as: UTF8.self) }

    /// The job's status after every change, until it ends (NDJSON stream).
    public func events(_ id: Int64) async throws -> AsyncThrowingStream<JobStatus, any Error> {
        try checkReachable()
        let connection = UnixHTTPConnection(socketPath: socketPath, timeout: nil)
        let (stream, continuation) = AsyncThrowingStream<JobStatus, any Error>.makeStream()
        let lines = LineSplitter()
        let decoder = APICoding.decoder()
        let target = "/v1/jobs/\(id)/events"
        let task = Task {
            do {
                try await connection.stream(.GET, target, onHead: { head in
                    if head.status != 200 { lines.failedStatus = head.status }
                }, onBytes: { bytes in
                    if let status = lines.failedStatus { throw Self.error(status: status, body: Data(bytes)) }
                    for line in lines.feed(bytes) { continuation.yield(try decoder.decode(JobStatus.self, from: line)) }
                })
                continuation.finish()
            } catch let error as ClientError {
                continuation.finish(throwing: error)
            } catch {
                continuation.finish(throwing: ClientError.transport("\(error)"))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    // MARK: Plumbing

    func get<T: Decodable>(_ path: String) async throws -> T { try decode(try await raw(.GET, path)) }

    func send<Body: Encodable, T: Decodable>(_ method: HTTPMethod, _ path: String, _ body: Body) async throws -> T {
        let data = try APICoding.encoder().encode(body)
        return try decode(try await raw(method, path, body: Array(data), contentType: "application/json"))
    }

    /// One request; throws `ClientError.api` for any non-2xx answer.
    public func raw(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = nil,
                    timeout: Double? = nil) async throws -> (status: Int, body: Data) {
        try checkReachable()
        let response: (status: Int, body: Data)
        do {
            response = try await UnixHTTPConnection(socketPath: socketPath, timeout: timeout ?? self.timeout)
                .exchange(method, path, body: body, contentType: contentType)
        } catch {
            throw ClientError.transport("\(error)")
        }
        guard (200..<300).contains(response.status) else { throw Self.error(status: response.status, body: response.body) }
        return response
    }

    func decode<T: Decodable>(_ response: (status: Int, body: Data)) throws -> T {
        do { return try APICoding.decoder().decode(T.self, from: response.body) } catch {
            throw ClientError.badResponse(status: response.status, reason: "cannot decode \(T.self): \(error)")
        }
    }

    static func error(status: Int, body: Data) -> ClientError {
        if let api = try? APICoding.decoder().decode(APIErrorBody.self, from: body) { return .api(status: status, body: api) }
        return .badResponse(status: status, reason: String(decoding: body.prefix(200), as: UTF8.self))
    }

    func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+/?"))) ?? s }
}

/// Splits an NDJSON byte stream into lines across reads.
private final class LineSplitter: @unchecked Sendable {
    // Touched only from the one connection thread that reads the stream.
    var pending: [UInt8] = []
    var failedStatus: Int?

    func feed(_ bytes: [UInt8]) -> [Data] {
        pending.append(contentsOf: bytes)
        var lines: [Data] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[..<newline]
            if !line.isEmpty { lines.append(Data(line)) }
            pending.removeSubrange(...newline)
        }
        return lines
    }
}
