import Foundation

/// Simulated counters: a job run under `valgrind --tool=cachegrind` with a device's
/// cache geometry, giving real reference and miss counts for caches the host does
/// not have.
///
/// Bracketing the inference region: cachegrind counts the whole process (loading,
/// planning, packing weights). A request may give a `baseline` command — the same
/// job with zero inference runs — and the result is (job − baseline) / inferences.
/// This needs no symbol names (Swift's mangled names make `--toggle-collect`
/// fragile) and works with any worker; `toggleCollect` is offered as well for a
/// caller that knows its function. Run the worker single-threaded: valgrind
/// serialises threads onto one simulated cache anyway.
public enum Cachegrind {
    /// Default size guard: MACs simulated in one request (all inferences together).
    public static let defaultMACLimit: Int64 = 2_000_000_000

    /// Cachegrind's event names, in the order of its `events:` line.
    public static let eventNames = ["Ir", "I1mr", "ILmr", "Dr", "D1mr", "DLmr", "Dw", "D1mw", "DLmw"]

    /// One simulation: what to run and with which caches.
    public struct Request: Sendable, Hashable {
        /// argv of the job (worker binary first).
        public var command: [String]
        /// argv of the same job doing no inference (load only); subtracted when given.
        public var baseline: [String]?
        /// Inferences `command` runs (warmup included); the result is per inference.
        public var inferences: Int
        public var configuration: CachegrindConfiguration
        /// MACs per inference, for the size guard.
        public var macsPerInference: Int64
        public var macLimit: Int64
        /// Skip the size guard.
        public var force: Bool
        /// Passed as `--toggle-collect=` when set.
        public var toggleCollect: String?
        public var timeoutSeconds: Double

        public init(command: [String], baseline: [String]? = nil, inferences: Int, configuration: CachegrindConfiguration,
                    macsPerInference: Int64, macLimit: Int64 = Cachegrind.defaultMACLimit, force: Bool = false,
                    toggleCollect: String? = nil, timeoutSeconds: Double = 600) {
            self.command = command; self.baseline = baseline; self.inferences = inferences; self.configuration = configuration
            self.macsPerInference = macsPerInference; self.macLimit = macLimit; self.force = force
            self.toggleCollect = toggleCollect; self.timeoutSeconds = timeoutSeconds
        }
    }

    /// Counts per inference with the configuration that produced them.
    public struct Result: Sendable, Hashable, Codable {
        /// Ir, I1mr, ILmr, Dr, D1mr, DLmr, Dw, D1mw, DLmw per inference, source `.simulated`.
        public var readings: [CounterReading]
        public var configuration: CachegrindConfiguration
        /// The valgrind command lines run, for the record.
        public var commands: [String]
        /// Data bytes that missed the last level (DLmr + DLmw) × LL line: the simulated
        /// counterpart of modeled DRAM/flash traffic.
        public var dataBytesBeyondLL: Figure
        /// Data bytes that missed D1 ((D1mr + D1mw) × line).
        public var dataBytesBeyondD1: Figure

        public init(readings: [CounterReading], configuration: CachegrindConfiguration, commands: [String],
                    dataBytesBeyondLL: Figure, dataBytesBeyondD1: Figure) {
            self.readings = readings; self.configuration = configuration; self.commands = commands
            self.dataBytesBeyondLL = dataBytesBeyondLL; self.dataBytesBeyondD1 = dataBytesBeyondD1
        }

        /// A count by cachegrind event name.
        public func value(_ event: String) -> Double? { readings.first { $0.event == event }?.value }
    }

    /// Runs the request; throws for a missing valgrind, the size guard, a failed run.
    public static func run(_ request: Request) throws(CachegrindError) -> Result {
        guard let valgrind = locateValgrind() else { throw .valgrindMissing }
        let total = request.macsPerInference * Int64(max(request.inferences, 1))
        if !request.force && total > request.macLimit { throw .tooLarge(macs: total, limit: request.macLimit) }
        var commands: [String] = []
        var request = request
        if let exe = request.command.first { request.command[0] = SimulationBinary.prepare(exe) }
        if let exe = request.baseline?.first { request.baseline?[0] = SimulationBinary.prepare(exe) }
        var counts = try simulate(valgrind, request.command, request, &commands)
        if let baseline = request.baseline {
            let base = try simulate(valgrind, baseline, request, &commands)
            for (k, v) in base { counts[k] = max(0, (counts[k] ?? 0) - v) }
        }
        let n = Double(max(request.inferences, 1))
        let readings = eventNames.map { name in
            CounterReading(event: name, status: .counted(value: (counts[name] ?? 0) / n, timeEnabledNs: 0, timeRunningNs: 0), source: .simulated)
        }
        let c = request.configuration
        let llBytes = ((counts["DLmr"] ?? 0) + (counts["DLmw"] ?? 0)) / n * Double(c.ll.lineBytes)
        let d1Bytes = ((counts["D1mr"] ?? 0) + (counts["D1mw"] ?? 0)) / n * Double(c.d1.lineBytes)
        return Result(readings: readings, configuration: c, commands: commands,
                      dataBytesBeyondLL: Figure(llBytes, "B", .simulated), dataBytesBeyondD1: Figure(d1Bytes, "B", .simulated))
    }

    /// Runs one command under cachegrind and returns its summary totals by event name.
    static func simulate(_ valgrind: String, _ argv: [String], _ request: Request, _ commands: inout [String]) throws(CachegrindError) -> [String: Double] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("picojoule-cg-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("cachegrind.out").path
        let log = dir.appendingPathComponent("valgrind.log").path
        let c = request.configuration
        var args = ["--tool=cachegrind", "--cache-sim=yes", "--I1=\(c.i1.argument)", "--D1=\(c.d1.argument)",
                    "--LL=\(c.ll.argument)", "--cachegrind-out-file=\(out)", "--log-file=\(log)"]
        if let fn = request.toggleCollect { args.append("--toggle-collect=\(fn)") }
        args += argv
        commands.append(([valgrind] + args.filter { !$0.hasPrefix("--cachegrind-out-file") && !$0.hasPrefix("--log-file") }).joined(separator: " "))
        let status = try execute(valgrind, args, timeout: request.timeoutSeconds)
        guard status == 0 else {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
            throw .failed(status: status, stderrTail: tail)
        }
        guard let text = try? String(contentsOfFile: out, encoding: .utf8) else {
            throw .unreadableOutput(path: out, detail: "no output file")
        }
        return try parse(text, path: out)
    }

    /// Totals from a cachegrind output file: the `events:` line names the columns of
    /// the `summary:` line.
    public static func parse(_ text: String, path: String = "cachegrind.out") throws(CachegrindError) -> [String: Double] {
        var events: [String] = [], summary: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("events:") { events = line.dropFirst(7).split(separator: " ").map(String.init) }
            if line.hasPrefix("summary:") { summary = line.dropFirst(8).split(separator: " ").map(String.init) }
        }
        guard !events.isEmpty, events.count == summary.count else {
            throw .unreadableOutput(path: path, detail: "no matching events:/summary: lines")
        }
        var totals: [String: Double] = [:]
        for (e, v) in zip(events, summary) { totals[e] = Double(v) ?? 0 }
        return totals
    }

    static func execute(_ executable: String, _ args: [String], timeout: Double) throws(CachegrindError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw .failed(status: -1, stderrTail: "\(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { process.terminate(); process.waitUntilExit(); throw .timedOut(seconds: timeout) }
            usleep(20_000)
        }
        return process.terminationStatus
    }

    /// Path of `valgrind` on PATH, or nil.
    public static func locateValgrind() -> String? { SimulationBinary.locate("valgrind") }

    /// `valgrind --version` (e.g. `valgrind-3.19.0`).
    public static func version(valgrind: String) -> String? {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: valgrind)
        process.arguments = ["--version"]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmed
    }
}
