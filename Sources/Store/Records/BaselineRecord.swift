import Foundation
import GRDB

/// The result a model is held against on a profile (`picojoule gate --baseline`).
/// One per (model, profile); marking another result replaces it.
public struct BaselineRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "baseline"
    public var modelSHA256: String
    public var profile: String
    public var resultID: Int64
    public var markedAt: Date

    public init(modelSHA256: String, profile: String, resultID: Int64, markedAt: Date) {
        self.modelSHA256 = modelSHA256; self.profile = profile; self.resultID = resultID; self.markedAt = markedAt
    }
}
