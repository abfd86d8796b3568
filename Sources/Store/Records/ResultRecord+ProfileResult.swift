import Foundation
import Profiling

extension ResultRecord {
    /// The row for a job's result: the figures the gate and the comparison tables
    /// read become columns, the whole result is kept as JSON.
    public init(jobID: Int64, result: ProfileResult, createdAt: Date) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(result), as: UTF8.self)
        self.init(jobID: jobID, modelSHA256: result.model.sha256, modelName: result.model.name, profile: result.profile,
                  device: result.device, createdAt: createdAt,
                  energyJoules: result.estimate.energy.value, energySource: result.estimate.energy.source.rawValue,
                  latencySeconds: result.estimate.latency.value, latencySource: result.estimate.latency.source.rawValue,
                  peakRAMBytes: result.memory.peakRAMBytes, flashBytes: result.memory.flashBytes,
                  dataMovementBytes: result.estimate.traffic.reduce(0) { $0 + $1.bytes.value },
                  fileBytes: result.model.fileBytes, resultJSON: json)
    }

    /// The stored `ProfileResult`.
    public func decodedResult() throws -> ProfileResult {
        do {
            return try JSONDecoder().decode(ProfileResult.self, from: Data(resultJSON.utf8))
        } catch {
            throw StoreError.corruptRow("result \(id ?? -1): \(error)")
        }
    }
}

extension NodeRecord {
    /// One row per node estimate of `result`, with the host's measured node time
    /// where the run recorded one.
    public static func rows(of result: ProfileResult, resultID: Int64) -> [NodeRecord] {
        let macsByIndex = Dictionary(result.nodeCounts.map { ($0.index, $0.totalMACs) }, uniquingKeysWith: { a, _ in a })
        let hostSeconds = result.host.nodeSeconds
        return result.estimate.nodes.map { node in
            let position = result.nodeCounts.firstIndex { $0.index == node.index }
            return NodeRecord(resultID: resultID, nodeIndex: node.index, name: node.name, opType: node.opType,
                              energyJoules: node.energy.value, latencySeconds: node.latency.value,
                              macs: macsByIndex[node.index] ?? 0, bytesMoved: node.traffic.reduce(0) { $0 + $1.bytes.value },
                              boundBy: node.boundBy,
                              hostSeconds: position.flatMap { $0 < hostSeconds.count ? hostSeconds[$0] : nil })
        }
    }
}
