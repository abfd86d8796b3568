import Runtime

/// Bytes that miss a cache of a given size when a run's planned layout is replayed
/// through it: a fully associative LRU cache of fixed-size blocks, fed every node's
/// steps (write-allocate, as cachegrind counts write misses).
///
/// The trace is replayed twice and the second pass counted: the steady state of
/// back-to-back inferences, which is what the simulated source measures too (its
/// first inference is subtracted with the load). A node's steps are its kernel's loop
/// order where the kernel gives one (a blocked GEMM re-reads its operands and packs
/// them into scratch), else each region once, as the counting rules count it.
enum LRUTraffic {
    static let blockBytes = 1024

    /// Per node (trace order): bytes its steps touch, and the bytes of those that miss.
    struct NodeTraffic {
        var touched: [Double]
        var missed: [Double]
    }

    static func replay(_ trace: [NodeAccesses], capacity: Int, blockBytes: Int = LRUTraffic.blockBytes) -> NodeTraffic {
        var cache = LRUBlocks(capacity: max(1, capacity / blockBytes))
        var result = NodeTraffic(touched: [Double](repeating: 0, count: trace.count), missed: [Double](repeating: 0, count: trace.count))
        let steps = trace.map(\.replaySteps)
        for pass in 0..<2 {
            for i in trace.indices {
                var missed = 0, touched = 0
                for step in steps[i] {
                    switch step {
                    case let .read(r), let .write(r):
                        missed += touch(r, &cache, blockBytes)
                        touched += r.bytes
                    case let .reread(r, times, between):
                        // A cyclic sweep in LRU hits every time or misses every time.
                        let footprint = (r.bytes + blockBytes - 1) / blockBytes * blockBytes + between
                        if footprint > capacity { missed += times * r.bytes }
                        touched += times * r.bytes
                    }
                }
                if pass == 1 { result.missed[i] = Double(missed); result.touched[i] = Double(touched) }
            }
        }
        return result
    }

    /// Touches every block of `region`; returns the region's bytes in blocks that missed.
    private static func touch(_ region: MemoryRegion, _ cache: inout LRUBlocks, _ blockBytes: Int) -> Int {
        guard region.bytes > 0 else { return 0 }
        let first = region.offset / blockBytes, last = (region.offset + region.bytes - 1) / blockBytes
        let space = Int64(region.space.rawValue) << 56
        var missed = 0
        for block in first...last where !cache.touch(space | Int64(block)) {
            let lo = max(region.offset, block * blockBytes), hi = min(region.offset + region.bytes, (block + 1) * blockBytes)
            missed += hi - lo
        }
        return missed
    }
}

/// An LRU set of block keys: a hash map into a doubly linked list kept in arrays.
struct LRUBlocks {
    let capacity: Int
    private var slotOf: [Int64: Int32] = [:]
    private var keys: [Int64] = [], prev: [Int32] = [], next: [Int32] = []
    private var head: Int32 = -1, tail: Int32 = -1

    init(capacity: Int) {
        self.capacity = capacity
        slotOf.reserveCapacity(capacity)
    }

    /// Marks `key` most recently used; returns whether it was present (a hit).
    mutating func touch(_ key: Int64) -> Bool {
        if let slot = slotOf[key] {
            moveToFront(slot)
            return true
        }
        let slot: Int32
        if keys.count < capacity {
            slot = Int32(keys.count)
            keys.append(key); prev.append(-1); next.append(-1)
        } else {
            slot = tail
            unlink(slot)
            slotOf[keys[Int(slot)]] = nil
            keys[Int(slot)] = key
        }
        slotOf[key] = slot
        pushFront(slot)
        return false
    }

    private mutating func unlink(_ s: Int32) {
        let p = prev[Int(s)], n = next[Int(s)]
        if p >= 0 { next[Int(p)] = n } else { head = n }
        if n >= 0 { prev[Int(n)] = p } else { tail = p }
        prev[Int(s)] = -1; next[Int(s)] = -1
    }

    private mutating func pushFront(_ s: Int32) {
        next[Int(s)] = head; prev[Int(s)] = -1
        if head >= 0 { prev[Int(head)] = s }
        head = s
        if tail < 0 { tail = s }
    }

    private mutating func moveToFront(_ s: Int32) {
        guard head != s else { return }
        unlink(s)
        pushFront(s)
    }
}
