import Foundation
import GRDB

/// Models, jobs, results, per-node rows and baselines in one SQLite file (GRDB).
/// A file database runs in WAL mode, so the daemon's readers (result queries,
/// metrics) never wait for the writer (a finishing job).
public final class SQLiteStore: Sendable {
    let writer: any DatabaseWriter

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws {
        var configuration = Configuration()
        // A busy writer makes others wait a little instead of failing at once.
        configuration.busyMode = .timeout(5)
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.open(path, "\(error)")
        }
        try Schema.migrator.migrate(writer)
    }

    /// A private in-memory database, for tests.
    public init() throws {
        writer = try DatabaseQueue()
        try Schema.migrator.migrate(writer)
    }

    /// The SQLite journal mode in force ("wal" for a file database).
    public func journalMode() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Models

    /// Stores a model row unless one with the same hash exists; returns the stored row
    /// (the first upload's name wins: the bytes are the same).
    public func saveModel(_ model: ModelRecord) async throws -> ModelRecord {
        try await writer.write { db in
            if let existing = try ModelRecord.fetchOne(db, key: model.sha256) { return existing }
            try model.insert(db)
            return model
        }
    }

    public func model(sha256: String) async throws -> ModelRecord? {
        try await writer.read { db in try ModelRecord.fetchOne(db, key: sha256) }
    }

    public func models() async throws -> [ModelRecord] {
        try await writer.read { db in try ModelRecord.order(Column("uploadedAt").desc).fetchAll(db) }
    }

    // MARK: Baselines

    /// Marks a stored result as the baseline of its model on its profile, replacing
    /// any earlier one.
    public func setBaseline(resultID: Int64, at date: Date) async throws -> BaselineRecord {
        try await writer.write { db in
            guard let result = try ResultRecord.fetchOne(db, key: resultID) else { throw StoreError.notFound("result \(resultID)") }
            let baseline = BaselineRecord(modelSHA256: result.modelSHA256, profile: result.profile, resultID: resultID, markedAt: date)
            try baseline.upsert(db)
            return baseline
        }
    }

    /// The baseline result of a model on a profile, if one was marked.
    public func baseline(modelSHA256: String, profile: String) async throws -> ResultRecord? {
        try await writer.read { db in
            guard let mark = try BaselineRecord.fetchOne(db, key: ["modelSHA256": modelSHA256, "profile": profile]) else { return nil }
            return try ResultRecord.fetchOne(db, key: mark.resultID)
        }
    }

    /// Every baseline mark.
    public func baselines() async throws -> [BaselineRecord] {
        try await writer.read { db in try BaselineRecord.fetchAll(db) }
    }
}
