import Client
import Foundation

/// Starts `picojouled` in its own session for `--spawn` and waits until it answers.
enum DaemonSpawner {
    static func spawn(socket: String) async throws {
        guard let daemon = locate() else {
            throw ClientError.input("--spawn: cannot find picojouled next to picojoule or on PATH")
        }
        let dataDirectory = DefaultPaths.dataDirectory()
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let logPath = "\(dataDirectory)/picojouled.log"
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        let process = Process()
        // setsid: the daemon outlives this shell and its terminal.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = [daemon, "--socket", socket]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        printError("picojoule: started picojouled (log: \(logPath))")
        for _ in 0..<150 {
            if SocketProbe.answers(socket) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ClientError.noDaemon(socket: socket)
    }

    static func locate() -> String? {
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let sibling = own.appendingPathComponent("picojouled").path
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/picojouled"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
