import Foundation
import Glibc

/// The few HTTP methods the API uses.
public enum HTTPMethod: String, Sendable {
    case GET, POST, PUT, DELETE
}

/// One HTTP/1.1 exchange over a Unix socket with blocking POSIX calls, each on a
/// thread of its own so that callers on Swift's cooperative pool never block it.
///
/// Why not a general HTTP client: the daemon is local, speaks only HTTP/1.1 with
/// `Content-Length` or chunked bodies, and AsyncHTTPClient pulled TLS and HTTP/2
/// (BoringSSL) into every build for a socket that never needs them.
struct UnixHTTPConnection {
    let socketPath: String
    /// Seconds a read or write may stall; nil waits forever (event streams).
    let timeout: Double?

    struct Response {
        var status: Int
        var headers: [String: String]
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(errno: Int32)
        case io(String)
        case malformed(String)
        var description: String {
            switch self {
            case .connect(let e): "connect: \(String(cString: strerror(e)))"
            case .io(let what): what
            case .malformed(let what): "malformed HTTP response: \(what)"
            }
        }
    }

    /// Sends a request and returns the status and the whole body.
    func exchange(_ method: HTTPMethod, _ target: String, body: [UInt8]?, contentType: String?) async throws -> (status: Int, body: Data) {
        try await onThread {
            let fd = try open()
            defer { close(fd) }
            try send(fd, method, target, body: body, contentType: contentType)
            var reader = Reader(fd: fd)
            let head = try reader.head()
            var data = Data()
            try reader.body(head) { data.append(contentsOf: $0) }
            return (head.status, data)
        }
    }

    /// Sends a request; `onHead` sees the status line and headers, then `onBytes`
    /// each piece of the body as it arrives, until the server ends it.
    func stream(_ method: HTTPMethod, _ target: String, onHead: @escaping @Sendable (Response) throws -> Void,
                onBytes: @escaping @Sendable ([UInt8]) throws -> Void) async throws {
        try await onThread {
            let fd = try open()
            defer { close(fd) }
            try send(fd, method, target, body: nil, contentType: nil)
            var reader = Reader(fd: fd)
            let head = try reader.head()
            try onHead(head)
            try reader.body(head, onBytes)
        }
    }

    // MARK: Plumbing

    private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    private func open() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { close(fd); throw Failure.connect(errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { let e = errno; close(fd); throw Failure.connect(errno: e) }
        if let timeout {
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        return fd
    }

    private func send(_ fd: Int32, _ method: HTTPMethod, _ target: String, body: [UInt8]?, contentType: String?) throws {
        var head = "\(method.rawValue) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" } else if method != .GET { head += "Content-Length: 0\r\n" }
        head += "\r\n"
        try writeAll(fd, Array(head.utf8))
        if let body, !body.isEmpty { try writeAll(fd, body) }
    }

    /// Writes until done, or until the daemon answers first: it may refuse a body
    /// (413) without reading it, and then the answer is what matters.
    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        let waitMs = timeout.map { Int32(min($0 * 1000, Double(Int32.max))) } ?? -1
        while offset < bytes.count {
            var p = pollfd(fd: fd, events: Int16(POLLOUT | POLLIN), revents: 0)
            let ready = poll(&p, 1, waitMs)
            if ready < 0 { if errno == EINTR { continue }; throw Failure.io("poll: \(String(cString: strerror(errno)))") }
            if ready == 0 { throw Failure.io("the daemon stopped reading the request") }
            if p.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { return }
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, min(bytes.count - offset, 256 << 10), Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                if errno == EPIPE || errno == ECONNRESET { return }
                throw Failure.io("write: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Buffered reads of one response.
    private struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []
        var start = 0
        var closed = false

        init(fd: Int32) { self.fd = fd }

        mutating func fill() throws {
            if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
                if n < 0 {
                    if errno == EINTR { continue }
                    if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure.io("the daemon did not answer in time") }
                    throw Failure.io("read: \(String(cString: strerror(errno)))")
                }
                if n == 0 { closed = true } else { buffer.append(contentsOf: chunk[0..<n]) }
                return
            }
        }

        mutating func line() throws -> String {
            while true {
                if let i = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    var end = i
                    if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    let text = String(decoding: buffer[start..<end], as: UTF8.self)
                    start = i + 1
                    return text
                }
                if closed { throw Failure.malformed("connection closed mid-line") }
                try fill()
            }
        }

        mutating func take(_ count: Int) throws -> [UInt8] {
            while buffer.count - start < count {
                if closed { throw Failure.malformed("connection closed after \(buffer.count - start) of \(count) body bytes") }
                try fill()
            }
            let out = Array(buffer[start..<(start + count)])
            start += count
            return out
        }

        mutating func head() throws -> Response {
            let status = try line()
            let parts = status.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else { throw Failure.malformed("status line '\(status)'") }
            var headers: [String: String] = [:]
            while true {
                let l = try line()
                if l.isEmpty { break }
                guard let colon = l.firstIndex(of: ":") else { throw Failure.malformed("header '\(l)'") }
                headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return Response(status: code, headers: headers)
        }

        mutating func body(_ head: Response, _ sink: ([UInt8]) throws -> Void) throws {
            if head.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                while true {
                    let sizeLine = try line()
                    guard let size = Int(sizeLine.split(separator: ";").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "", radix: 16) else {
                        throw Failure.malformed("chunk size '\(sizeLine)'")
                    }
                    if size == 0 { return }
                    try sink(try take(size))
                    _ = try line()
                }
            } else if let length = head.headers["content-length"].flatMap({ Int($0) }) {
                if length > 0 { try sink(try take(length)) }
            } else {
                while !closed { try fill() }
                try sink(Array(buffer[start...]))
                start = buffer.count
            }
        }
    }
}
