import ArgumentParser
import Client
import Foundation

/// Options every daemon-talking subcommand shares.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("socket"), help: "The daemon's socket (default: $PICOJOULE_SOCKET, $XDG_RUNTIME_DIR/picojoule.sock, or <data dir>/picojoule.sock).")
    var socket: String?

    @Flag(help: "Print JSON for programs instead of tables.")
    var json = false

    @Flag(help: "Start a daemon in the background if none answers.")
    var spawn = false

    var socketPath: String { socket ?? DefaultPaths.socket() }

    /// A client for a daemon that answers (started first with --spawn).
    func connect() async throws -> PicojouleClient {
        let client = PicojouleClient(socketPath: socketPath)
        do {
            try client.checkReachable()
        } catch ClientError.noDaemon where spawn {
            try await DaemonSpawner.spawn(socket: socketPath)
            try client.checkReachable()
        }
        return client
    }
}

/// What the exit status of `picojoule` means.
enum ExitStatus: Int32 {
    case success = 0
    /// `gate`: at least one budget or baseline check failed.
    case gateFailed = 1
    /// Bad arguments or input: unknown profile, unreadable file, corrupt model (a 4xx).
    case usage = 2
    /// A job failed or was cancelled.
    case jobFailed = 3
    /// No daemon answers on the socket, or this user may not talk to it.
    case noDaemon = 4
    /// The daemon failed (a 5xx or a broken answer).
    case daemonError = 5
}

/// Runs a command body, turning client errors into a message on stderr and the
/// matching exit status.
func withClientErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        FileHandle.standardError.write(Data("picojoule: \(error)\n".utf8))
        switch error {
        case .noDaemon, .permissionDenied: throw ExitCode(ExitStatus.noDaemon.rawValue)
        case .api(let status, _) where status == 403: throw ExitCode(ExitStatus.noDaemon.rawValue)
        case .api(let status, _) where status < 500: throw ExitCode(ExitStatus.usage.rawValue)
        case .input: throw ExitCode(ExitStatus.usage.rawValue)
        case .api, .badResponse, .transport: throw ExitCode(ExitStatus.daemonError.rawValue)
        }
    }
}

/// Encodes a value as indented JSON on stdout.
func printAPIJSON(_ value: some Encodable) throws {
    let encoder = APICoding.encoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func printError(_ text: String) { FileHandle.standardError.write(Data("\(text)\n".utf8)) }
