import Device
import Foundation
import Logging
import Profiling
import ServiceAPI
import ServiceLifecycle
import Store

/// The job queue: jobs wait in SQLite, run one at a time per core set (so two
/// measurements never share cores), report progress to subscribers, and survive
/// restarts. On graceful shutdown it takes no new jobs, lets the running ones finish
/// for `shutdownGrace`, then cancels and re-queues (checkpoints) what is left.
public actor JobQueue: Service {
    let store: any ResultStore
    let catalog: any CatalogProvider
    let executor: any JobExecutor
    let modelFiles: ModelFiles
    let logger: Logger
    let maxAttempts: Int
    let shutdownGrace: Duration

    /// Running jobs by core set.
    var lanes: [String: (id: Int64, task: Task<Void, Never>)] = [:]
    var live: [Int64: (phase: String, fraction: Double)] = [:]
    var subscribers: [Int64: [UUID: AsyncStream<JobStatus>.Continuation]] = [:]
    /// Jobs cancelled because the daemon stops: they go back to the queue.
    var checkpointing: Set<Int64> = []
    private(set) var accepting = true
    private let wakeStream: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation

    public init(store: any ResultStore, catalog: any CatalogProvider, executor: any JobExecutor, modelFiles: ModelFiles,
                logger: Logger, maxAttempts: Int = 3, shutdownGrace: Duration = .seconds(30)) {
        self.store = store; self.catalog = catalog; self.executor = executor; self.modelFiles = modelFiles
        self.logger = logger; self.maxAttempts = maxAttempts; self.shutdownGrace = shutdownGrace
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Service

    public func run() async throws {
        for job in try await store.recoverInterruptedJobs(maxAttempts: maxAttempts, at: Date()) {
            logger.warning("job \(job.id ?? -1) was running when the daemon stopped: \(job.state.rawValue) (\(job.error ?? ""))")
        }
        wake.yield()
        await withGracefulShutdownHandler {
            for await _ in self.wakeStream {
                guard await self.accepting else { break }
                await self.schedule()
            }
        } onGracefulShutdown: {
            Task { await self.stopAccepting() }
        }
        await drain()
    }

    private func stopAccepting() {
        accepting = false
        wake.finish()
    }

    /// Waits up to `shutdownGrace` for running jobs, then cancels and re-queues the rest.
    private func drain() async {
        accepting = false
        let deadline = ContinuousClock.now + shutdownGrace
        while !lanes.isEmpty && ContinuousClock.now < deadline && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = lanes.values
        for (id, task) in remaining {
            logger.notice("checkpointing job \(id): it goes back to the queue and runs again after the restart")
            checkpointing.insert(id)
            task.cancel()
        }
        for (_, task) in remaining { await task.value }
        for continuations in subscribers.values { for c in continuations.values { c.finish() } }
        subscribers = [:]
    }

    // MARK: Requests

    /// Queues a job after checking that the model and the profile exist.
    public func submit(_ request: JobRequest) async throws -> JobStatus {
        guard accepting else { throw ServiceError.shuttingDown }
        guard let model = try await store.model(sha256: request.model.lowercased()), modelFiles.exists(sha256: model.sha256) else {
            throw ServiceError.unknownModel(request.model)
        }
        guard let profile = try catalog.profile(named: request.profile) else {
            throw ServiceError.unknownProfile(request.profile, known: try catalog.profiles().map(\.name))
        }
        for (label, value) in [("runs", request.runs), ("warmup", request.warmup)] {
            if let value, value < (label == "runs" ? 1 : 0) || value > 100_000 {
                throw ServiceError.badRequest("\(label) must be between \(label == "runs" ? 1 : 0) and 100000", code: "bad_field")
            }
        }
        let json = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        let job = try await store.insertJob(JobRecord(modelSHA256: model.sha256, profile: profile.name, requestJSON: json, createdAt: Date()))
        wake.yield()
        return try await status(of: job)
    }

    /// The job's state, with live progress while it runs.
    public func status(id: Int64) async throws -> JobStatus {
        guard let job = try await store.job(id: id) else { throw ServiceError.notFound("job \(id)") }
        return try await status(of: job)
    }

    /// Cancels a queued job at once, or a running one by stopping its worker.
    public func cancel(id: Int64) async throws -> JobStatus {
        guard let job = try await store.job(id: id) else { throw ServiceError.notFound("job \(id)") }
        if job.state.isFinal {
            throw ServiceError(.conflict, code: "job_finished", message: "job \(id) already \(job.state.rawValue); nothing to cancel")
        }
        if let lane = lanes.values.first(where: { $0.id == id }) {
            // The job is cancelled now; the executor kills its worker, and its core set
            // stays busy until the worker is gone, so the next measurement does not
            // share cores with it.
            lane.task.cancel()
            try await store.endJob(id: id, state: .cancelled, error: "cancelled while running", at: Date())
        } else {
            try await store.endJob(id: id, state: .cancelled, error: "cancelled before it started", at: Date())
        }
        await publish(id)
        return try await status(id: id)
    }

    /// The job's state now and after every change, ending when the job ends.
    public func events(id: Int64) async throws -> AsyncStream<JobStatus> {
        let first = try await status(id: id)
        let (stream, continuation) = AsyncStream.makeStream(of: JobStatus.self, bufferingPolicy: .bufferingNewest(64))
        continuation.yield(first)
        if first.state.isFinal || !accepting {
            continuation.finish()
            return stream
        }
        let key = UUID()
        subscribers[id, default: [:]][key] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id, key) } }
        return stream
    }

    private func unsubscribe(_ id: Int64, _ key: UUID) {
        subscribers[id]?[key] = nil
        if subscribers[id]?.isEmpty == true { subscribers[id] = nil }
    }

    /// True when nothing runs (tests and the shutdown path use it).
    public var isIdle: Bool { lanes.isEmpty }

    // MARK: Scheduling

    /// Starts every runnable job whose core set is free, oldest first.
    private func schedule() async {
        let runnable: [JobRecord]
        do { runnable = try await store.runnableJobs() } catch {
            logger.error("cannot read the job queue: \(error)")
            return
        }
        for job in runnable {
            guard accepting, let id = job.id, !lanes.values.contains(where: { $0.id == id }) else { continue }
            let profile = try? catalog.profile(named: job.profile)
            let lane = Self.coreSet(of: profile)
            guard lanes[lane] == nil else { continue }
            lanes[lane] = (id, Task { await self.execute(job, profile: profile, lane: lane) })
        }
    }

    /// Jobs on the same core set run one after the other. The worker pins itself to
    /// the profile's NUMA node's cores (or the host's first cores), so the set is
    /// named by the node.
    static func coreSet(of profile: DeviceProfile?) -> String {
        "numa\(profile?.constraints.numaNode ?? 0)"
    }
}

extension JobQueue {
    func wakeScheduler() { wake.yield() }
}

extension JobQueue {
    /// Jobs running now.
    public var runningCount: Int { lanes.count }
}
