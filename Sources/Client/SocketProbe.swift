import Foundation
import Glibc

/// Checks a Unix socket before the HTTP client tries it, so that "no daemon" and
/// "not allowed to connect" get their own messages instead of a transport error.
public enum SocketProbe {
    enum Outcome { case answers, absent, refused, denied }

    static func check(_ path: String) -> Outcome {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .refused }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .absent }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc == 0 { return .answers }
        switch errno {
        case ENOENT, ENOTDIR: return .absent
        case EACCES, EPERM: return .denied
        default: return .refused
        }
    }
}

extension SocketProbe {
    /// True when a process accepts connections on `path`.
    public static func answers(_ path: String) -> Bool { check(path) == .answers }
}
