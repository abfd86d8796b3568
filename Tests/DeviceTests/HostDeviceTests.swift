import Device
import Foundation
import Testing

/// `host` is read from /proc and /sys at run time.
@Suite struct HostDeviceTests {
    @Test func detectsThisMachine() {
        let host = HostDevice.detect()
        #expect(host.name == "host")
        #expect(host.clusters.first?.cores ?? 0 >= 1)
        #expect(host.clusters.first?.clockHz ?? 0 > 0)
        #expect(host.memoryLevels.last?.kind == .dram)
        #expect(host.memoryLevels.last?.sizeBytes ?? 0 > 0)
        #expect(host.sources["numa_nodes"]?.hasPrefix("libnuma") == true)
    }

    @Test func readsCacheTopologyFromAFakeTree() throws {
        let root = try TemporaryDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: root.path + "/proc", withIntermediateDirectories: true)
        let cpuinfo = (0..<4).map { "processor\t: \($0)\nmodel name\t: Test CPU 9000\ncpu MHz\t\t: 2400.000\nflags\t\t: fpu sse avx2 fma\n" }
        try cpuinfo.joined(separator: "\n").write(toFile: root.path + "/proc/cpuinfo", atomically: true, encoding: .utf8)
        try "MemTotal:       16384000 kB\n".write(toFile: root.path + "/proc/meminfo", atomically: true, encoding: .utf8)
        let caches = [("index0", "1", "Data", "48K", "12"), ("index1", "1", "Instruction", "32K", "8"),
                      ("index2", "2", "Unified", "2048K", "16"), ("index3", "3", "Unified", "36M", "12")]
        for (index, level, type, size, ways) in caches {
            let dir = root.path + "/sys/devices/system/cpu/cpu0/cache/" + index
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (file, value) in [("level", level), ("type", type), ("size", size), ("ways_of_associativity", ways), ("coherency_line_size", "64")] {
                try value.write(toFile: "\(dir)/\(file)", atomically: true, encoding: .utf8)
            }
        }
        let host = HostDevice.detect(root: root.path)
        #expect(host.clusters.first?.cores == 4)
        #expect(host.clusters.first?.clockHz == 2.4e9)
        #expect(host.clusters.first?.macsPerCycle[.float32] == 16)
        #expect(host.memoryLevels.map(\.name) == ["L1", "L2", "L3", "dram"])
        #expect(host.memoryLevels.map(\.sizeBytes) == [48 * 1024, 2 << 20, 36 << 20, 16_384_000 * 1024])
        #expect(host.memoryLevels.first?.associativity == 12)
        #expect(host.description.contains("Test CPU 9000"))
    }
}
