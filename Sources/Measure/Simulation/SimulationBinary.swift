import Foundation

/// The executable valgrind is given: a copy of the job's binary without its
/// debug sections.
///
/// Swift's toolchain writes DWARF 5, and valgrind 3.19 (Debian 12) stops reading
/// it with "Possibly corrupted debuginfo file. I can't recover" before the program
/// starts. Cachegrind needs only the symbol table, which `objcopy --strip-debug`
/// keeps. The copy is made once per binary version (path, size, mtime) and shared
/// by later simulations; with no objcopy the original is used and valgrind's own
/// error is reported.
enum SimulationBinary {
    static func prepare(_ executable: String) -> String {
        let fm = FileManager.default
        guard let objcopy = locate("objcopy"),
              let attributes = try? fm.attributesOfItem(atPath: executable),
              let size = attributes[.size] as? Int,
              let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970
        else { return executable }
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let key = stableKey("\(executable)|\(size)|\(modified)")
        let dir = fm.temporaryDirectory.appendingPathComponent("picojoule-cg-bin")
        let target = dir.appendingPathComponent("\(name)-\(key)").path
        if fm.isExecutableFile(atPath: target) { return target }
        try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let partial = target + ".\(ProcessInfo.processInfo.processIdentifier).tmp"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: objcopy)
        process.arguments = ["--strip-debug", executable, partial]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return executable }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { try? fm.removeItem(atPath: partial); return executable }
        // rename(2) is atomic: a concurrent simulation sees the whole copy or none.
        guard rename(partial, target) == 0 else { try? fm.removeItem(atPath: partial); return executable }
        return target
    }

    /// FNV-1a, hex: stable across processes, unlike `Hasher`.
    static func stableKey(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// Path of `tool` on PATH, or nil.
    static func locate(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
