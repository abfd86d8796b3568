import Foundation
import GRDB

/// The totals of one finished job, with the whole `ProfileResult` as JSON.
/// `jobID` is UNIQUE: storing the result of a job twice (a retry after a crash
/// between the insert and the reply) keeps the first row.
public struct ResultRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "result"
    public var id: Int64?
    public var jobID: Int64
    public var modelSHA256: String
    public var modelName: String
    public var profile: String
    public var device: String
    public var createdAt: Date
    /// Joules per inference on the device (the estimate's headline figure).
    public var energyJoules: Double
    public var energySource: String
    /// Seconds per inference on the device.
    public var latencySeconds: Double
    public var latencySource: String
    public var peakRAMBytes: Int
    public var flashBytes: Int
    /// Bytes crossing every memory level per inference, summed.
    public var dataMovementBytes: Double
    public var fileBytes: Int
    /// `ProfileResult` encoded as JSON.
    public var resultJSON: String

    public init(id: Int64? = nil, jobID: Int64, modelSHA256: String, modelName: String, profile: String, device: String,
                createdAt: Date, energyJoules: Double, energySource: String, latencySeconds: Double, latencySource: String,
                peakRAMBytes: Int, flashBytes: Int, dataMovementBytes: Double, fileBytes: Int, resultJSON: String) {
        self.id = id; self.jobID = jobID; self.modelSHA256 = modelSHA256; self.modelName = modelName
        self.profile = profile; self.device = device; self.createdAt = createdAt
        self.energyJoules = energyJoules; self.energySource = energySource
        self.latencySeconds = latencySeconds; self.latencySource = latencySource
        self.peakRAMBytes = peakRAMBytes; self.flashBytes = flashBytes; self.dataMovementBytes = dataMovementBytes
        self.fileBytes = fileBytes; self.resultJSON = resultJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
