import Foundation
import GRDB

/// One queued or finished job. The queue lives in this table so that a restart
/// finds what was waiting and what was running when the daemon died.
public struct JobRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "job"

    /// Where a job is in its life. `interrupted` marks a job that was running when
    /// the daemon died; it is queued again on the next start.
    public enum State: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case queued, running, succeeded, failed, cancelled, interrupted
        /// True once nothing more will happen to the job.
        public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
    }

    public var id: Int64?
    public var modelSHA256: String
    public var profile: String
    public var state: State
    /// Times the job was started; a restart after a crash counts again.
    public var attempts: Int
    /// The request as JSON (runs, warm-up, counters, budgets...).
    public var requestJSON: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Why it failed, in words a user can act on.
    public var error: String?

    public init(id: Int64? = nil, modelSHA256: String, profile: String, state: State = .queued, attempts: Int = 0,
                requestJSON: String, createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil, error: String? = nil) {
        self.id = id; self.modelSHA256 = modelSHA256; self.profile = profile; self.state = state; self.attempts = attempts
        self.requestJSON = requestJSON; self.createdAt = createdAt; self.startedAt = startedAt
        self.finishedAt = finishedAt; self.error = error
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
