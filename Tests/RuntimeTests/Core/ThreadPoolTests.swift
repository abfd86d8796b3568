import Runtime
import Testing

@Suite struct ThreadPoolTests {
    /// Every index runs exactly once, for many sizes, thread counts and repeated
    /// jobs on the same pool (which exercises the job hand-over between calls).
    @Test(arguments: [1, 2, 3, 4, 8])
    func coversEveryIndexExactlyOnce(threads: Int) {
        let pool = FixedThreadPool(threads: threads)
        #expect(pool.threadCount == threads)
        for size in [0, 1, 2, 3, 5, 7, 16, 63, 64, 65, 1000, 4097] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(size, 1))
            defer { hits.deallocate() }
            for repetition in 0..<20 {
                hits.initialize(repeating: 0, count: max(size, 1))
                pool.parallelFor(size) { i in hits[i] += 1 }
                let wrong = (0..<size).filter { hits[$0] != 1 }
                #expect(wrong.isEmpty, "size \(size), repetition \(repetition): indices \(wrong.prefix(8)) ran \(wrong.prefix(8).map { hits[$0] }) times")
            }
        }
    }

    @Test func nestedCallsRunSeriallyInsteadOfDeadlocking() {
        let pool = FixedThreadPool(threads: 4)
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { hits.deallocate() }
        hits.initialize(repeating: 0, count: 64)
        pool.parallelFor(8) { outer in
            pool.parallelFor(8) { inner in hits[outer * 8 + inner] += 1 }
        }
        #expect((0..<64).allSatisfy { hits[$0] == 1 })
    }

    @Test func worksSeriallyAfterShutdown() {
        let pool = FixedThreadPool(threads: 3)
        pool.shutdown()
        pool.shutdown()
        var sum = 0
        pool.parallelFor(10) { sum += $0 }
        #expect(sum == 45)
    }

    @Test func workersSleepAndWakeBetweenJobs() throws {
        let pool = FixedThreadPool(threads: 4)
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 256)
        defer { hits.deallocate() }
        for _ in 0..<3 {
            hits.initialize(repeating: 0, count: 256)
            pool.parallelFor(256) { hits[$0] += 1 }
            #expect((0..<256).allSatisfy { hits[$0] == 1 })
            // Long enough for the workers to give up spinning and block.
            usleepMilliseconds(20)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func usleepMilliseconds(_ ms: Int) { usleep(UInt32(ms * 1000)) }
