import ArgumentParser
import Dispatch

/// A synchronous `main` that runs async subcommands on a detached task.
///
/// Not `@main` on an `AsyncParsableCommand`: an async main parks the main thread
/// in `dispatch_main`, and valgrind 3.19 dies (SIGSEGV inside valgrind) when such
/// a process starts its first thread. The simulated source runs `picojoule run`
/// under cachegrind, so this binary must stay runnable there.
@main
enum EntryPoint {
    static func main() {
        let command: ParsableCommand
        do { command = try Picojoule.parseAsRoot() } catch { Picojoule.exit(withError: error) }
        guard let asyncCommand = command as? AsyncParsableCommand else {
            var sync = command
            do { try sync.run() } catch { Picojoule.exit(withError: error) }
            return
        }
        let outcome = AsyncOutcome(asyncCommand)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await outcome.runCommand()
            done.signal()
        }
        done.wait()
        if let error = outcome.error { Picojoule.exit(withError: error) }
    }
}

/// Carries the parsed command into the task and its error back out; the
/// semaphore orders every access, which the compiler cannot see.
private final class AsyncOutcome: @unchecked Sendable {
    private var command: AsyncParsableCommand
    private(set) var error: Error?

    init(_ command: AsyncParsableCommand) { self.command = command }

    func runCommand() async {
        do { try await command.run() } catch { self.error = error }
    }
}
