import Device
import Foundation
import Measure
import Runtime
import Testing

/// The cache replay of the data-movement model on hand-made traces, on the test
/// phone (64 KiB L1, 2 MiB L2, DRAM).
@Suite struct LRUReplayTests {
    static func node(_ i: Int, reads: [MemoryRegion], writes: [MemoryRegion]) -> (NodeCounts, NodeAccesses) {
        let w = reads.filter { $0.space == .weights }.reduce(0) { $0 + $1.bytes }
        let a = reads.filter { $0.space != .weights }.reduce(0) { $0 + $1.bytes }
        let counts = NodeCounts(index: i, name: "n\(i)", opType: "Conv", computeType: .float32, inputTypes: [.float32], outputTypes: [.float32],
                                weightBytesRead: Int64(w), activationBytesRead: Int64(a), bytesWritten: Int64(writes.reduce(0) { $0 + $1.bytes }))
        return (counts, NodeAccesses(reads: reads, writes: writes))
    }

    static func bytes(_ nodes: [(NodeCounts, NodeAccesses)]) -> [[Double]] {
        let plan = MemoryPlanSummary(arenaBytes: 1 << 20, lowerBoundBytes: 0, weightBytes: 0, modelWeightBytes: 0, ioBytes: 0, scratchBytes: 0)
        let model = DataMovementModel(device: Fixtures.phone(), plan: plan, weightsInFlash: false, trace: nodes.map(\.1), nodeIndices: nodes.map(\.0.index))
        return nodes.map { model.bytes(for: $0.0) }
    }

    @Test func aModelThatFitsL1IsServedByL1InTheSteadyState() {
        let weights = MemoryRegion(space: .weights, offset: 0, bytes: 8 << 10)
        let a = MemoryRegion(space: .arena, offset: 0, bytes: 16 << 10), b = MemoryRegion(space: .arena, offset: 16 << 10, bytes: 16 << 10)
        let rows = Self.bytes([Self.node(0, reads: [weights, a], writes: [b])])
        #expect(rows[0] == [Double(40 << 10), 0, 0])
    }

    @Test func weightsLargerThanL2StreamFromDRAMAndEvictTheActivations() {
        // Two nodes each reading 3 MiB of their own weights: nothing survives to the next inference.
        let w0 = MemoryRegion(space: .weights, offset: 0, bytes: 3 << 20), w1 = MemoryRegion(space: .weights, offset: 3 << 20, bytes: 3 << 20)
        let x = MemoryRegion(space: .io, offset: 0, bytes: 64 << 10), t = MemoryRegion(space: .arena, offset: 0, bytes: 32 << 10)
        let rows = Self.bytes([Self.node(0, reads: [w0, x], writes: [t]), Self.node(1, reads: [w1, t], writes: [x])])
        #expect(rows[0][2] >= Double(3 << 20), "node 0's weights come from DRAM")
        #expect(rows[1][2] >= Double(3 << 20), "node 1's weights come from DRAM")
        // The 32 KiB intermediate was written just before node 1 reads it, but node 1's
        // weights are read first and push it out of L1; L2 (2 MiB) still has it only if the
        // weights read so far leave room, which 3 MiB does not: it comes from DRAM too.
        let total = rows.map { $0.reduce(0, +) }
        #expect(total[0] == Double((3 << 20) + (64 << 10) + (32 << 10)))
    }

    @Test func anOutputReadByTheNextNodeIsFoundOnChip() {
        let big = MemoryRegion(space: .weights, offset: 0, bytes: 4 << 20)
        let t = MemoryRegion(space: .arena, offset: 0, bytes: 32 << 10), y = MemoryRegion(space: .arena, offset: 32 << 10, bytes: 32 << 10)
        let x = MemoryRegion(space: .io, offset: 0, bytes: 32 << 10), s = MemoryRegion(space: .arena, offset: 64 << 10, bytes: 1 << 10)
        // Node 0 streams the weights (its own output interleaved with them), node 1 writes
        // t from x, node 2 reads t.
        let rows = Self.bytes([Self.node(0, reads: [big], writes: [s]), Self.node(1, reads: [x], writes: [t]), Self.node(2, reads: [t], writes: [y])])
        #expect(rows[2][0] == Double(32 << 10), "node 2 finds its input, just written, in L1")
        // Its output's lines were last touched an inference and 4 MiB of weights ago:
        // writing them allocates from DRAM, as cachegrind counts a write miss.
        #expect(rows[2][2] == Double(32 << 10))
    }

    @Test func aStreamingNodeEvictsTheInputAheadOfItsReadPosition() {
        // A 1.5 MiB copy in a 2 MiB L2: input and output do not fit together. Reads and
        // writes advance together, so the writes evict the part of the input not yet read
        // (cachegrind sees this in memcpy); all reads first would have hit them all.
        let x = MemoryRegion(space: .arena, offset: 0, bytes: 3 << 19), y = MemoryRegion(space: .arena, offset: 3 << 19, bytes: 3 << 19)
        let z = MemoryRegion(space: .arena, offset: 3 << 20, bytes: 1 << 10)
        let rows = Self.bytes([Self.node(0, reads: [z], writes: [x]), Self.node(1, reads: [x], writes: [y])])
        let fromDRAM = rows[1][2]
        #expect(fromDRAM > Double(3 << 19) * 1.2, "more than the output's write misses")
        #expect(fromDRAM < Double(3 << 20))
    }

    @Test func aGEMMBlockSweptPerStripIsReReadFromTheLevelThatHoldsIt() {
        // A 120 KiB A block swept 10 more times with 24 KiB between sweeps: too big for the
        // 64 KiB L1 (every sweep comes from L2), small enough for the 2 MiB L2.
        let a = MemoryRegion(space: .weights, offset: 0, bytes: 120 << 10)
        var (counts, accesses) = Self.node(0, reads: [a], writes: [])
        accesses.kernelSteps = [.read(a), .reread(a, times: 10, between: 24 << 10)]
        let plan = MemoryPlanSummary(arenaBytes: 1 << 20, lowerBoundBytes: 0, weightBytes: 0, modelWeightBytes: 0, ioBytes: 0, scratchBytes: 0)
        let model = DataMovementModel(device: Fixtures.phone(), plan: plan, weightsInFlash: false, trace: [accesses], nodeIndices: [0])
        #expect(model.bytes(for: counts) == [0, Double(11 * (120 << 10)), 0])
    }

    @Test func aPackingConvGivesItsLoopNestWithScratch() throws {
        let session = try ModelRunner.prepare(path: RealSample.path("fp32"))
        let convs = zip(session.accessTrace, session.nodeCounts).filter { $0.1.opType == "Conv" }
        #expect(!convs.isEmpty)
        for (accesses, counts) in convs {
            let steps = try #require(accesses.kernelSteps, "\(counts.name)")
            let packs = steps.contains { if case let .write(r) = $0 { r.space == .scratch } else { false } }
            let output = steps.contains { if case let .write(r) = $0 { r.space != .scratch } else { false } }
            #expect(packs && output, "\(counts.name)")
        }
    }

    @Test func theReplayAgreesWithTheCountsOfARealSession() throws {
        let session = try ModelRunner.prepare(path: RealSample.path("fp32"))
        let trace = session.accessTrace
        #expect(trace.count == session.nodeCounts.count)
        for (accesses, counts) in zip(trace, session.nodeCounts) {
            let read = accesses.reads.reduce(0) { $0 + $1.bytes }, written = accesses.writes.reduce(0) { $0 + $1.bytes }
            #expect(Int64(read) == counts.weightBytesRead + counts.activationBytesRead, "\(counts.name)")
            #expect(Int64(written) == counts.bytesWritten, "\(counts.name)")
        }
    }
}

enum RealSample {
    static func path(_ variant: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/tinycnn-\(variant).onnx").path
    }
}
