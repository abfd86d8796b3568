import Device
import Foundation
import Measure
import Testing

@Suite struct CacheGeometryTests {
    @Test func deviceLevelsMapToD1AndLL() throws {
        let c = try CachegrindConfiguration.forDevice(Fixtures.phone())
        #expect(c.d1.argument == "65536,4,64" && c.ll.argument == "2097152,8,64")
        #expect(c.d1Level == "L1" && c.llLevel == "L2")
    }

    @Test func scratchpadBecomesAnAssociativeCacheAndNotesSaySo() throws {
        let c = try CachegrindConfiguration.forDevice(Fixtures.mcu())
        #expect(c.d1 == c.ll && c.d1.sizeBytes == 128 << 10 && c.d1.associativity == 16)
        #expect(c.notes.contains { $0.contains("scratchpad") })
    }

    @Test func nonPowerOfTwoSetsAreMadeLegal() throws {
        var device = Fixtures.phone()
        device.memoryLevels[1] = MemoryLevel(name: "L3", kind: .cache, sizeBytes: 12 << 20, lineBytes: 64, associativity: 16,
                                             bandwidthBytesPerSecond: 1e11, energyPerBytePicojoules: 5)
        let c = try CachegrindConfiguration.forDevice(device)
        #expect(c.ll.sizeBytes == 12 << 20)  // size kept
        let sets = c.ll.sets
        #expect(sets > 0 && sets & (sets - 1) == 0)
        #expect(c.notes.contains { $0.contains("L3") })
        device.memoryLevels[1].sizeBytes = 100_000  // no associativity fixes this one
        let rounded = try CachegrindConfiguration.forDevice(device).ll
        #expect(rounded.sizeBytes <= 100_000 && rounded.sets & (rounded.sets - 1) == 0)
    }

    @Test func deviceWithoutOnChipMemoryIsRefused() {
        var device = Fixtures.phone()
        device.memoryLevels.removeAll { $0.kind == .cache }
        #expect(throws: CachegrindError.self) { try CachegrindConfiguration.forDevice(device) }
    }
}

@Suite struct CachegrindRunTests {
    static var hasValgrind: Bool { Cachegrind.locateValgrind() != nil }

    @Test func parsesSummaryByEventsLine() throws {
        let text = "desc: I1 cache: 65536 B, 64 B, 4-way associative\ncmd: sort x\nevents: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\nfl=a\n1 2 3\nsummary: 100 2 1 40 5 3 20 4 2\n"
        let totals = try Cachegrind.parse(text)
        #expect(totals["Ir"] == 100 && totals["DLmr"] == 3 && totals["DLmw"] == 2)
        #expect(throws: CachegrindError.self) { try Cachegrind.parse("events: Ir\n") }
    }

    @Test func sizeGuardRefusesLargeJobsUnlessForced() throws {
        let config = try CachegrindConfiguration.forDevice(Fixtures.phone())
        let request = Cachegrind.Request(command: ["/bin/true"], inferences: 10, configuration: config,
                                         macsPerInference: 4_000_000_000)
        #expect(throws: CachegrindError.tooLarge(macs: 40_000_000_000, limit: Cachegrind.defaultMACLimit)) {
            try Cachegrind.run(request)
        }
        #expect(CachegrindError.tooLarge(macs: 1, limit: 0).description.contains("force"))
    }

    /// `sort` over a fixed 1.5 MB file: smaller caches must miss more.
    @Test(.enabled(if: hasValgrind, "valgrind is not installed; apt-get install valgrind"))
    func missesGrowWhenTheCacheShrinks() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("picojoule-cg-input-\(getpid()).txt").path
        var lines: [String] = []
        var x: UInt64 = 42
        for _ in 0..<60_000 { x = x &* 6364136223846793005 &+ 1442695040888963407; lines.append(String(x >> 20, radix: 16)) }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        func run(d1: Int, ll: Int) throws -> Cachegrind.Result {
            let config = CachegrindConfiguration(i1: CacheGeometry(sizeBytes: 32768, associativity: 8, lineBytes: 64),
                                                 d1: CacheGeometry(sizeBytes: d1, associativity: 4, lineBytes: 64),
                                                 ll: CacheGeometry(sizeBytes: ll, associativity: 8, lineBytes: 64),
                                                 d1Level: "D1", llLevel: "LL")
            return try Cachegrind.run(.init(command: ["/usr/bin/sort", path, "-o", "/dev/null"], inferences: 1,
                                            configuration: config, macsPerInference: 0))
        }
        let big = try run(d1: 65536, ll: 4 << 20), small = try run(d1: 4096, ll: 65536)
        let bigD1 = try #require(big.value("D1mr")), smallD1 = try #require(small.value("D1mr"))
        let bigLL = try #require(big.value("DLmr")), smallLL = try #require(small.value("DLmr"))
        #expect(smallD1 > bigD1 && smallLL > bigLL * 2)
        #expect(big.value("Ir") ?? 0 > 1e6)
        #expect(big.readings.allSatisfy { $0.source == .simulated })
        #expect(small.dataBytesBeyondLL.value > big.dataBytesBeyondLL.value)
    }
}
