import Device
import Foundation

/// `POST /v1/jobs`: profile one uploaded model under one profile.
public struct JobRequest: Codable, Sendable, Hashable {
    /// SHA-256 of an uploaded model.
    public var model: String
    /// Profile name (`GET /v1/profiles`).
    public var profile: String
    public var runs: Int?
    public var warmup: Int?
    /// Extra counter events on top of the profile's.
    public var counters: [String]?
    public var simulate: Bool?
    /// Values for symbolic input dimensions (`{"batch": 1}`).
    public var dimensions: [String: Int]?
    public init(model: String, profile: String, runs: Int? = nil, warmup: Int? = nil, counters: [String]? = nil,
                simulate: Bool? = nil, dimensions: [String: Int]? = nil) {
        self.model = model; self.profile = profile; self.runs = runs; self.warmup = warmup
        self.counters = counters; self.simulate = simulate; self.dimensions = dimensions
    }
}

/// Where a job is. `interrupted`: it was running when the daemon died and is queued again.
public enum JobState: String, Codable, Sendable, Hashable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, interrupted
    /// Nothing more will happen to the job.
    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// `GET /v1/jobs/{id}`.
public struct JobStatus: Codable, Sendable, Hashable {
    public var id: Int64
    public var model: String
    public var modelName: String?
    public var profile: String
    public var state: JobState
    /// The phase the worker reported last (`load`, `plan`, `run 3/10`...).
    public var phase: String?
    /// 0...1 while running; 1 when it succeeded.
    public var progress: Double
    public var attempts: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var error: String?
    /// The stored result, once the job succeeded.
    public var resultID: Int64?
    public init(id: Int64, model: String, modelName: String?, profile: String, state: JobState, phase: String?, progress: Double,
                attempts: Int, createdAt: Date, startedAt: Date?, finishedAt: Date?, error: String?, resultID: Int64?) {
        self.id = id; self.model = model; self.modelName = modelName; self.profile = profile; self.state = state
        self.phase = phase; self.progress = progress; self.attempts = attempts; self.createdAt = createdAt
        self.startedAt = startedAt; self.finishedAt = finishedAt; self.error = error; self.resultID = resultID
    }
}

/// One line of `GET /v1/jobs/{id}/events` (NDJSON): the job's state after a change.
public typealias JobEvent = JobStatus
