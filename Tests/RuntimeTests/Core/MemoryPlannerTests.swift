import Runtime
import Testing

@Suite struct MemoryPlannerTests {
    /// Property test over seeded random interval sets: no two buffers that are
    /// live at the same step share bytes, offsets are aligned, and the arena is
    /// never below the lower bound.
    @Test func randomLifetimesNeverOverlap() {
        var generator = SplitMix64(seed: 2026)
        let planner = GreedyMemoryPlanner()
        for trial in 0..<300 {
            let count = Int(generator.next() % 60) + 1
            let steps = Int(generator.next() % 40) + 1
            let buffers = (0..<count).map { _ -> BufferLifetime in
                let first = Int(generator.next() % UInt64(steps))
                let last = first + Int(generator.next() % UInt64(steps - first))
                // Some zero-sized and some odd sizes, to exercise alignment.
                let size = generator.next() % 10 == 0 ? 0 : Int(generator.next() % 5000) + 1
                return BufferLifetime(size: size, firstUse: first, lastUse: last)
            }
            let plan = planner.plan(buffers)
            #expect(!plan.doAnyBuffersOverlap(buffers), "trial \(trial)")
            #expect(plan.offsets.allSatisfy { $0 % 64 == 0 }, "trial \(trial)")
            #expect(plan.arenaBytes >= MemoryPlan.lowerBoundBytes(buffers), "trial \(trial)")
        }
    }

    @Test func disjointLifetimesShareMemory() {
        let buffers = [
            BufferLifetime(size: 1000, firstUse: 0, lastUse: 1),
            BufferLifetime(size: 1000, firstUse: 2, lastUse: 3),
            BufferLifetime(size: 100, firstUse: 1, lastUse: 2),
        ]
        let plan = GreedyMemoryPlanner().plan(buffers)
        #expect(plan.offsets[0] == plan.offsets[1])
        #expect(plan.arenaBytes == 1024 + 128)
        #expect(MemoryPlan.lowerBoundBytes(buffers) == 1100)
        #expect(!plan.doAnyBuffersOverlap(buffers))
    }

    @Test func overlapCheckCatchesABadPlan() {
        let buffers = [BufferLifetime(size: 64, firstUse: 0, lastUse: 2), BufferLifetime(size: 64, firstUse: 2, lastUse: 3)]
        #expect(MemoryPlan(offsets: [0, 32], arenaBytes: 128, alignment: 32).doAnyBuffersOverlap(buffers))
        #expect(MemoryPlan(offsets: [0, 64], arenaBytes: 100, alignment: 64).doAnyBuffersOverlap(buffers), "second buffer leaves the arena")
        #expect(!MemoryPlan(offsets: [0, 64], arenaBytes: 128, alignment: 64).doAnyBuffersOverlap(buffers))
    }

    @Test func lowerBoundFreesBeforeTheNextStep() {
        let buffers = [BufferLifetime(size: 10, firstUse: 0, lastUse: 0), BufferLifetime(size: 20, firstUse: 1, lastUse: 1)]
        #expect(MemoryPlan.lowerBoundBytes(buffers) == 20)
    }
}
