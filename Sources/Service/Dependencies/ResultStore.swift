import Foundation
import Profiling
import Store

/// What the service needs from storage: models, the job queue, results, node rows,
/// baselines. `SQLiteStore` (GRDB, in the Store module) is the implementation; an
/// in-memory `SQLiteStore()` serves tests.
public protocol ResultStore: Sendable {
    func saveModel(_ model: ModelRecord) async throws -> ModelRecord
    func model(sha256: String) async throws -> ModelRecord?
    func models() async throws -> [ModelRecord]

    func insertJob(_ job: JobRecord) async throws -> JobRecord
    func job(id: Int64) async throws -> JobRecord?
    func jobs(states: [JobRecord.State]?, limit: Int) async throws -> [JobRecord]
    func runnableJobs() async throws -> [JobRecord]
    func startJob(id: Int64, at date: Date) async throws -> JobRecord?
    @discardableResult
    func endJob(id: Int64, state: JobRecord.State, error: String?, at date: Date) async throws -> JobRecord?
    func requeueJob(id: Int64) async throws
    func recoverInterruptedJobs(maxAttempts: Int, at date: Date) async throws -> [JobRecord]
    func jobCounts() async throws -> [JobRecord.State: Int]
    func jobDurations() async throws -> [(state: JobRecord.State, seconds: Double)]

    func storeResult(_ result: ProfileResult, jobID: Int64, at date: Date) async throws -> ResultRecord
    func results(matching query: ResultQuery) async throws -> [ResultRecord]
    func result(id: Int64) async throws -> ResultRecord?
    func result(jobID: Int64) async throws -> ResultRecord?
    func nodes(resultID: Int64) async throws -> [NodeRecord]
    func latestResults() async throws -> [ResultRecord]

    func setBaseline(resultID: Int64, at date: Date) async throws -> BaselineRecord
    func baseline(modelSHA256: String, profile: String) async throws -> ResultRecord?
    func baselines() async throws -> [BaselineRecord]
}

extension SQLiteStore: ResultStore {}
