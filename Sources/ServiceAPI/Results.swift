import Foundation
import Profiling

/// One stored result's headline figures (`GET /v1/results`).
public struct ResultSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var jobID: Int64
    public var model: String
    public var modelName: String
    public var profile: String
    public var device: String
    public var createdAt: Date
    public var energyJoules: Double
    public var energySource: String
    public var latencySeconds: Double
    public var latencySource: String
    public var peakRAMBytes: Int
    public var flashBytes: Int
    /// Bytes crossing all memory levels per inference.
    public var dataMovementBytes: Double
    public var fileBytes: Int
    /// True when this is the baseline of its model on its profile.
    public var isBaseline: Bool
    public init(id: Int64, jobID: Int64, model: String, modelName: String, profile: String, device: String, createdAt: Date,
                energyJoules: Double, energySource: String, latencySeconds: Double, latencySource: String,
                peakRAMBytes: Int, flashBytes: Int, dataMovementBytes: Double, fileBytes: Int, isBaseline: Bool) {
        self.id = id; self.jobID = jobID; self.model = model; self.modelName = modelName; self.profile = profile
        self.device = device; self.createdAt = createdAt; self.energyJoules = energyJoules; self.energySource = energySource
        self.latencySeconds = latencySeconds; self.latencySource = latencySource; self.peakRAMBytes = peakRAMBytes
        self.flashBytes = flashBytes; self.dataMovementBytes = dataMovementBytes; self.fileBytes = fileBytes
        self.isBaseline = isBaseline
    }
}

/// One node of a stored result.
public struct NodeSummary: Codable, Sendable, Hashable {
    public var index: Int
    public var name: String
    public var opType: String
    public var energyJoules: Double
    public var latencySeconds: Double
    public var macs: Int64
    public var bytesMoved: Double
    public var boundBy: String
    public var hostSeconds: Double?
    public init(index: Int, name: String, opType: String, energyJoules: Double, latencySeconds: Double, macs: Int64,
                bytesMoved: Double, boundBy: String, hostSeconds: Double?) {
        self.index = index; self.name = name; self.opType = opType; self.energyJoules = energyJoules
        self.latencySeconds = latencySeconds; self.macs = macs; self.bytesMoved = bytesMoved; self.boundBy = boundBy
        self.hostSeconds = hostSeconds
    }
}

/// `GET /v1/results/{id}`: the summary, the per-node rows and the whole result.
public struct ResultDetail: Codable, Sendable, Hashable {
    public var summary: ResultSummary
    public var nodes: [NodeSummary]
    public var result: ProfileResult
    public init(summary: ResultSummary, nodes: [NodeSummary], result: ProfileResult) {
        self.summary = summary; self.nodes = nodes; self.result = result
    }
}

/// `GET /v1/results` answer.
public struct ResultList: Codable, Sendable, Hashable {
    public var results: [ResultSummary]
    public init(results: [ResultSummary]) { self.results = results }
}
