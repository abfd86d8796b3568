import Foundation
import Glibc

/// The socket file's life: refuse to start over a live daemon, clear a stale file,
/// set the mode and group after binding, remove it on exit.
enum SocketFile {
    /// Throws when another process answers on `path`; removes a stale socket file.
    static func prepare(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        guard FileManager.default.fileExists(atPath: path) else { return }
        if canConnect(path) {
            throw ServiceError(.conflict, code: "already_running",
                               message: "another picojouled answers on \(path); stop it first or pass another --socket")
        }
        unlink(path)
    }

    /// 0600, or 0660 owned by `group`.
    static func restrict(_ path: String, group: String?) throws {
        var mode: mode_t = 0o600
        if let group {
            guard let entry = getgrnam(group) else {
                throw ServiceError(.badRequest, code: "unknown_group", message: "--group \(group): no such group on this host")
            }
            if chown(path, uid_t.max, entry.pointee.gr_gid) != 0 {
                throw ServiceError(.internalServerError, code: "chown_failed",
                                   message: "cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
            }
            mode = 0o660
        }
        if chmod(path, mode) != 0 {
            throw ServiceError(.internalServerError, code: "chmod_failed", message: "cannot chmod \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func remove(_ path: String) { unlink(path) }

    static func canConnect(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
    }
}
