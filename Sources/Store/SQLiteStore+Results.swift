import Foundation
import GRDB
import Profiling

/// Filters for `SQLiteStore.results(matching:)`; nil fields match everything.
public struct ResultQuery: Sendable, Hashable {
    public var modelSHA256: String?
    public var profile: String?
    public var since: Date?
    public var until: Date?
    public var limit: Int
    public init(modelSHA256: String? = nil, profile: String? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 50) {
        self.modelSHA256 = modelSHA256; self.profile = profile; self.since = since; self.until = until; self.limit = limit
    }
}

extension SQLiteStore {
    /// Stores a job's result and its node rows and marks the job succeeded, in one
    /// transaction: either all of it is on disk or none. If the job already has a
    /// result (it ran again after a crash), the stored one is returned unchanged.
    public func storeResult(_ result: ProfileResult, jobID: Int64, at date: Date) async throws -> ResultRecord {
        let row = try ResultRecord(jobID: jobID, result: result, createdAt: date)
        return try await writer.write { db in
            var record = row
            if let existing = try ResultRecord.filter(Column("jobID") == jobID).fetchOne(db) { return existing }
            try record.insert(db)
            guard let id = record.id else { throw StoreError.corruptRow("result of job \(jobID) has no id") }
            for node in NodeRecord.rows(of: result, resultID: id) { try node.insert(db) }
            if var job = try JobRecord.fetchOne(db, key: jobID) {
                job.state = .succeeded; job.finishedAt = date; job.error = nil
                try job.update(db)
            }
            return record
        }
    }

    /// Results newest first.
    public func results(matching query: ResultQuery) async throws -> [ResultRecord] {
        try await writer.read { db in
            var request = ResultRecord.all()
            if let model = query.modelSHA256 { request = request.filter(Column("modelSHA256") == model) }
            if let profile = query.profile { request = request.filter(Column("profile") == profile) }
            if let since = query.since { request = request.filter(Column("createdAt") >= since) }
            if let until = query.until { request = request.filter(Column("createdAt") <= until) }
            return try request.order(Column("createdAt").desc, Column("id").desc).limit(query.limit).fetchAll(db)
        }
    }

    public func result(id: Int64) async throws -> ResultRecord? {
        try await writer.read { db in try ResultRecord.fetchOne(db, key: id) }
    }

    /// The result a job produced, if any.
    public func result(jobID: Int64) async throws -> ResultRecord? {
        try await writer.read { db in try ResultRecord.filter(Column("jobID") == jobID).fetchOne(db) }
    }

    /// The per-node rows of a result, in execution order.
    public func nodes(resultID: Int64) async throws -> [NodeRecord] {
        try await writer.read { db in
            try NodeRecord.filter(Column("resultID") == resultID).order(Column("nodeIndex")).fetchAll(db)
        }
    }

    /// The newest result of every (model, profile) pair: the metrics' "last energy".
    public func latestResults() async throws -> [ResultRecord] {
        try await writer.read { db in
            try ResultRecord.fetchAll(db, sql: """
                SELECT * FROM result r WHERE r.id = (
                  SELECT id FROM result r2 WHERE r2.modelSHA256 = r.modelSHA256 AND r2.profile = r.profile
                  ORDER BY createdAt DESC, id DESC LIMIT 1)
                """)
        }
    }
}
