import Foundation
import Glibc

/// A worker process started with posix_spawn in a process group of its own, its
/// stdin, stdout and stderr on pipes. Its own group lets the supervisor kill the
/// worker and anything it started (the throttle helper, a shell's children) at once.
final class SpawnedProcess {
    enum Status: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    let pid: pid_t
    private var stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32
    private var status: Status?
    private var stderrData = Data()
    /// The end of stderr is enough to name a cause; a chatty worker cannot fill memory.
    private let stderrLimit = 64 * 1024

    var stderrText: String { String(decoding: stderrData, as: UTF8.self) }

    init(executable: String, arguments: [String], environment: [String: String]) throws(SpawnError) {
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        // pipe2(O_CLOEXEC) is hidden behind _GNU_SOURCE; set the flag right after, so
        // a worker spawned by another thread does not inherit these ends.
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else { throw SpawnError(call: "pipe", errno: errno) }
        for fd in input + output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // New process group; default SIGPIPE (the supervisor ignores it, and an ignored
        // signal stays ignored across exec); an empty signal mask.
        var defaults = sigset_t(), mask = sigset_t()
        sigemptyset(&defaults); sigaddset(&defaults, SIGPIPE)
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        for fd in [input[0], output[1], errors[1]] { close(fd) }
        guard result == 0 else {
            for fd in [input[1], output[0], errors[0]] { close(fd) }
            throw SpawnError(call: "posix_spawn", errno: result)
        }
        self.pid = pid
        stdinFD = input[1]; stdoutFD = output[0]; stderrFD = errors[0]
        for fd in [stdinFD, stdoutFD, stderrFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    deinit {
        for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) }
        if status == nil { kill(-pid, SIGKILL); _ = reap() }
    }

    /// Why `pump` killed the worker, if it did.
    enum Kill { case timeout, stop }

    /// Writes `input` to stdin, hands stdout data to `onStdout` and keeps stderr,
    /// until the worker has exited and its pipes are drained. Kills the group at
    /// `deadline`, or as soon as `stop` says so (checked every 50 ms); returns why it did.
    func pump(input: Data, deadline: ContinuousClock.Instant, stop: () -> Bool = { false }, onStdout: (Data) -> Void) -> Kill? {
        var pending = input[...]
        var killed: Kill?
        var drainUntil: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 65536)
        while stdoutFD >= 0 || stderrFD >= 0 {
            let now = ContinuousClock.now
            if killed == nil, status == nil, now >= deadline || stop() {
                kill(-pid, SIGKILL)
                killed = now >= deadline ? .timeout : .stop
            }
            if status == nil, let reaped = poll(wait: false) {
                status = reaped
                // The worker is gone: end whatever it left in its group so the pipes
                // close, and stop waiting for them soon even if something escaped.
                kill(-pid, SIGKILL)
                drainUntil = now + .seconds(2)
            }
            if let drainUntil, now >= drainUntil { break }
            var fds = [pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: pending.isEmpty ? -1 : stdinFD, events: Int16(POLLOUT), revents: 0)]
            _ = Glibc.poll(&fds, nfds_t(fds.count), 50)
            if fds[2].revents != 0, stdinFD >= 0 {
                let written = pending.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
                if written > 0 { pending = pending.dropFirst(written) }
                if written < 0, errno != EAGAIN, errno != EINTR { pending = Data()[...] }  // EPIPE: the worker stopped reading
            }
            if pending.isEmpty, stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
            if fds[0].revents != 0 { readAvailable(&stdoutFD, &buffer) { onStdout($0) } }
            if fds[1].revents != 0 {
                readAvailable(&stderrFD, &buffer) { self.stderrData.append($0) }
                if stderrData.count > stderrLimit { stderrData = stderrData.suffix(stderrLimit) }
            }
        }
        return killed
    }

    /// Waits for the worker (if `pump` has not already) and returns how it ended.
    func reap() -> Status {
        if let status { return status }
        let reaped = poll(wait: true) ?? .exited(-1)
        status = reaped
        return reaped
    }

    private func readAvailable(_ fd: inout Int32, _ buffer: inout [UInt8], _ sink: (Data) -> Void) {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count > 0 { sink(Data(buffer[0..<count])); return }
        if count == 0 || (errno != EAGAIN && errno != EINTR) { close(fd); fd = -1 }
    }

    private func poll(wait: Bool) -> Status? {
        var raw: Int32 = 0
        while true {
            let result = waitpid(pid, &raw, wait ? 0 : WNOHANG)
            if result == pid { break }
            if result == 0 { return nil }
            if errno != EINTR { return nil }
        }
        // WIFEXITED / WTERMSIG are macros Swift cannot import.
        let signal = raw & 0x7f
        return signal == 0 ? .exited((raw >> 8) & 0xff) : .signaled(signal)
    }
}

/// A failed pipe or spawn, with the call and errno.
struct SpawnError: Error, CustomStringConvertible {
    var call: String
    var errno: Int32
    var description: String { "\(call) failed: \(String(cString: strerror(errno)))" }
}
