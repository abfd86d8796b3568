import Foundation
import Service
import Store
import Testing

@Suite struct StoreTests {
    func model(_ store: SQLiteStore) async throws -> ModelRecord {
        try await store.saveModel(ModelRecord(sha256: String(repeating: "a", count: 64), name: "m.onnx", format: "onnx",
                                              sizeBytes: 10, inspectionJSON: "{}", uploadedAt: Date()))
    }

    @Test func aFileDatabaseRunsInWALMode() async throws {
        let path = "/tmp/pj-wal-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        #expect(try await SQLiteStore(path: path).journalMode() == "wal")
    }

    @Test func savingTheSameModelTwiceKeepsTheFirstName() async throws {
        let store = try SQLiteStore()
        _ = try await model(store)
        var again = try await model(store)
        again.name = "other.onnx"
        #expect(try await store.saveModel(again).name == "m.onnx")
        #expect(try await store.models().count == 1)
    }

    @Test func aResultIsStoredOncePerJobAndFinishesIt() async throws {
        let store = try SQLiteStore()
        let m = try await model(store)
        let job = try await store.insertJob(JobRecord(modelSHA256: m.sha256, profile: "p", requestJSON: "{}", createdAt: Date()))
        let id = try #require(job.id)
        #expect(try await store.startJob(id: id, at: Date())?.attempts == 1)
        let result = try ServiceFixtures.result(sha: m.sha256)
        let first = try await store.storeResult(result, jobID: id, at: Date())
        let second = try await store.storeResult(result, jobID: id, at: Date())
        #expect(first.id == second.id)
        #expect(try await store.results(matching: ResultQuery()).count == 1)
        #expect(try await store.job(id: id)?.state == .succeeded)
        #expect(try await store.nodes(resultID: try #require(first.id)).count == result.estimate.nodes.count)
    }

    @Test func runningJobsBecomeInterruptedAfterACrashThenFailAfterMaxAttempts() async throws {
        let store = try SQLiteStore()
        let m = try await model(store)
        let id = try #require(try await store.insertJob(JobRecord(modelSHA256: m.sha256, profile: "p", requestJSON: "{}", createdAt: Date())).id)
        _ = try await store.startJob(id: id, at: Date())
        #expect(try await store.recoverInterruptedJobs(maxAttempts: 2, at: Date()).first?.state == .interrupted)
        #expect(try await store.runnableJobs().map(\.id) == [id])
        _ = try await store.startJob(id: id, at: Date())
        #expect(try await store.recoverInterruptedJobs(maxAttempts: 2, at: Date()).first?.state == .failed)
        #expect(try await store.runnableJobs().isEmpty)
    }

    @Test func aBaselineIsOnePerModelAndProfile() async throws {
        let store = try SQLiteStore()
        let m = try await model(store)
        var ids: [Int64] = []
        for _ in 0..<2 {
            let job = try #require(try await store.insertJob(JobRecord(modelSHA256: m.sha256, profile: "demo-mcu", requestJSON: "{}", createdAt: Date())).id)
            ids.append(try #require(try await store.storeResult(try ServiceFixtures.result(sha: m.sha256), jobID: job, at: Date()).id))
        }
        _ = try await store.setBaseline(resultID: ids[0], at: Date())
        _ = try await store.setBaseline(resultID: ids[1], at: Date())
        #expect(try await store.baselines().count == 1)
        #expect(try await store.baseline(modelSHA256: m.sha256, profile: "demo-mcu")?.id == ids[1])
    }
}
