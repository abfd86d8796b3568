import Foundation
import GRDB

extension SQLiteStore {
    /// Queues a job; returns it with its id.
    public func insertJob(_ job: JobRecord) async throws -> JobRecord {
        try await writer.write { db in
            var job = job
            try job.insert(db)
            return job
        }
    }

    public func job(id: Int64) async throws -> JobRecord? {
        try await writer.read { db in try JobRecord.fetchOne(db, key: id) }
    }

    /// Jobs newest first, optionally only those in `states`.
    public func jobs(states: [JobRecord.State]? = nil, limit: Int = 100) async throws -> [JobRecord] {
        try await writer.read { db in
            var request = JobRecord.order(Column("id").desc).limit(limit)
            if let states { request = request.filter(states.contains(Column("state"))) }
            return try request.fetchAll(db)
        }
    }

    /// Jobs waiting to run, oldest first: queued ones and those a crash interrupted.
    public func runnableJobs() async throws -> [JobRecord] {
        try await writer.read { db in
            try JobRecord.filter([JobRecord.State.queued, .interrupted].contains(Column("state")))
                .order(Column("id")).fetchAll(db)
        }
    }

    /// Marks a job running and counts the attempt. Fails when the job is no longer
    /// runnable (cancelled meanwhile).
    public func startJob(id: Int64, at date: Date) async throws -> JobRecord? {
        try await writer.write { db in
            guard var job = try JobRecord.fetchOne(db, key: id), job.state == .queued || job.state == .interrupted else { return nil }
            job.state = .running; job.attempts += 1; job.startedAt = date; job.error = nil
            try job.update(db)
            return job
        }
    }

    /// Ends a job without a result (failed or cancelled), unless it already ended.
    @discardableResult
    public func endJob(id: Int64, state: JobRecord.State, error: String?, at date: Date) async throws -> JobRecord? {
        try await writer.write { db in
            guard var job = try JobRecord.fetchOne(db, key: id) else { return nil }
            if job.state.isFinal { return job }
            job.state = state; job.error = error; job.finishedAt = date
            try job.update(db)
            return job
        }
    }

    /// Puts a running job back in the queue (the daemon is stopping and checkpoints it).
    /// The attempt is not counted against it.
    public func requeueJob(id: Int64) async throws {
        try await writer.write { db in
            guard var job = try JobRecord.fetchOne(db, key: id), job.state == .running else { return }
            job.state = .queued; job.attempts = max(0, job.attempts - 1); job.startedAt = nil
            try job.update(db)
        }
    }

    /// At start-up: jobs still marked running were cut off by a crash. They become
    /// `interrupted` (and run again), or `failed` once they used up `maxAttempts`,
    /// so that a model that kills the daemon cannot do it forever.
    public func recoverInterruptedJobs(maxAttempts: Int, at date: Date) async throws -> [JobRecord] {
        try await writer.write { db in
            var recovered: [JobRecord] = []
            for var job in try JobRecord.filter(Column("state") == JobRecord.State.running).fetchAll(db) {
                if job.attempts >= maxAttempts {
                    job.state = .failed; job.finishedAt = date
                    job.error = "interrupted \(job.attempts) times (the daemon stopped mid-job); not retried again"
                } else {
                    job.state = .interrupted
                    job.error = "interrupted by a daemon restart after attempt \(job.attempts); queued again"
                }
                try job.update(db)
                recovered.append(job)
            }
            return recovered
        }
    }

    /// Number of jobs in each state.
    public func jobCounts() async throws -> [JobRecord.State: Int] {
        try await writer.read { db in
            var counts: [JobRecord.State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") {
                if let state = JobRecord.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// Wall time (s) of every job that finished after starting, by final state.
    public func jobDurations() async throws -> [(state: JobRecord.State, seconds: Double)] {
        try await writer.read { db in
            try JobRecord.filter(Column("startedAt") != nil && Column("finishedAt") != nil).fetchAll(db).compactMap { job in
                guard let start = job.startedAt, let end = job.finishedAt else { return nil }
                return (job.state, end.timeIntervalSince(start))
            }
        }
    }
}
