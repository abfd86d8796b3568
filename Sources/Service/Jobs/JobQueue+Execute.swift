import Device
import Foundation
import Profiling
import ServiceAPI
import Store

extension JobQueue {
    /// Runs one job to its end and records how it ended. A result is stored in the
    /// same transaction that marks the job succeeded.
    func execute(_ job: JobRecord, profile: DeviceProfile?, lane: String) async {
        guard let id = job.id else { return }
        defer { wakeAfterJob(id: id, lane: lane) }
        do {
            guard try await store.startJob(id: id, at: Date()) != nil else { return }
            live[id] = ("starting", 0)
            await publish(id)
            guard let profile else { throw ServiceError.unknownProfile(job.profile, known: try catalog.profiles().map(\.name)) }
            guard let device = try catalog.device(named: profile.device) else {
                throw ServiceError(.unprocessableContent, code: "unknown_device",
                                   message: "profile \(profile.name) names device '\(profile.device)', which is not in the catalog")
            }
            let request = try JSONDecoder().decode(JobRequest.self, from: Data(job.requestJSON.utf8))
            let spec = JobSpec(modelPath: modelFiles.path(sha256: job.modelSHA256), profile: profile, device: device,
                               runs: request.runs, warmup: request.warmup, extraCounters: request.counters ?? [],
                               simulate: request.simulate, symbolicDimensions: request.dimensions ?? [:])
            var result = try await executor.execute(spec) { phase, fraction in
                Task { await self.progress(id, phase, fraction) }
            }
            try Task.checkCancellation()
            // The worker sees a file named by its hash; results are filed under the
            // model's upload name and the profile the job asked for.
            result.model.sha256 = job.modelSHA256
            if let model = try await store.model(sha256: job.modelSHA256) { result.model.name = model.name }
            result.profile = profile.name
            let stored = try await store.storeResult(result, jobID: id, at: Date())
            logger.info("job \(id) succeeded: result \(stored.id ?? -1)")
        } catch where Task.isCancelled || error is CancellationError {
            if checkpointing.contains(id) {
                try? await store.requeueJob(id: id)
            } else {
                try? await store.endJob(id: id, state: .cancelled, error: "cancelled while running", at: Date())
            }
        } catch {
            logger.warning("job \(id) failed: \(error)")
            try? await store.endJob(id: id, state: .failed, error: "\(error)", at: Date())
        }
    }

    private func wakeAfterJob(id: Int64, lane: String) {
        Task {
            await self.finished(id: id, lane: lane)
        }
    }

    private func finished(id: Int64, lane: String) async {
        if lanes[lane]?.id == id { lanes[lane] = nil }
        live[id] = nil
        await publish(id)
        wakeScheduler()
    }

    func progress(_ id: Int64, _ phase: String, _ fraction: Double) async {
        guard live[id] != nil else { return }
        live[id] = (phase, min(max(fraction, 0), 1))
        await publish(id)
    }

    /// Sends the job's current status to its subscribers; ends their streams once
    /// the job is over (or back in the queue because the daemon stops).
    func publish(_ id: Int64) async {
        guard let continuations = subscribers[id], !continuations.isEmpty,
              let status = try? await status(id: id) else { return }
        for continuation in continuations.values {
            continuation.yield(status)
            if status.state.isFinal || checkpointing.contains(id) { continuation.finish() }
        }
        if status.state.isFinal { subscribers[id] = nil }
    }

    func status(of job: JobRecord) async throws -> JobStatus {
        let id = job.id ?? -1
        let model = try await store.model(sha256: job.modelSHA256)
        let result = job.state == .succeeded ? try await store.result(jobID: id) : nil
        let state = JobState(rawValue: job.state.rawValue) ?? .failed
        let progress = live[id]
        return JobStatus(id: id, model: job.modelSHA256, modelName: model?.name, profile: job.profile, state: state,
                         phase: progress?.phase ?? (state == .succeeded ? "done" : nil),
                         progress: progress?.fraction ?? (state == .succeeded ? 1 : 0), attempts: job.attempts,
                         createdAt: job.createdAt, startedAt: job.startedAt, finishedAt: job.finishedAt,
                         error: job.error, resultID: result?.id)
    }
}
