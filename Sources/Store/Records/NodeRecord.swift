import GRDB

/// One executed node of a stored result: the per-node table users query
/// ("which layer costs the most energy").
public struct NodeRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "node"
    public var resultID: Int64
    /// Position in the lowered graph's execution order.
    public var nodeIndex: Int
    public var name: String
    public var opType: String
    public var energyJoules: Double
    public var latencySeconds: Double
    public var macs: Int64
    public var bytesMoved: Double
    /// "compute" or the memory level that bounds the node.
    public var boundBy: String
    /// Mean wall time of the node on the host, when it was measured.
    public var hostSeconds: Double?

    public init(resultID: Int64, nodeIndex: Int, name: String, opType: String, energyJoules: Double, latencySeconds: Double,
                macs: Int64, bytesMoved: Double, boundBy: String, hostSeconds: Double?) {
        self.resultID = resultID; self.nodeIndex = nodeIndex; self.name = name; self.opType = opType
        self.energyJoules = energyJoules; self.latencySeconds = latencySeconds; self.macs = macs
        self.bytesMoved = bytesMoved; self.boundBy = boundBy; self.hostSeconds = hostSeconds
    }
}
