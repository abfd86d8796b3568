/// `GET /v1/health`: who is answering.
public struct HealthInfo: Codable, Sendable, Hashable {
    public var status: String
    public var version: String
    public var pid: Int32
    public var dataDirectory: String
    public var socket: String
    /// True when jobs run on a synthetic executor (tests, demos): results are not real.
    public var syntheticExecutor: Bool
    public init(status: String, version: String, pid: Int32, dataDirectory: String, socket: String, syntheticExecutor: Bool) {
        self.status = status; self.version = version; self.pid = pid; self.dataDirectory = dataDirectory
        self.socket = socket; self.syntheticExecutor = syntheticExecutor
    }
}
