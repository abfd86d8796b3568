#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file read failed, in words for an error message.
struct FileReadError: Error {
    var reason: String
}

/// Whole-file and ranged reads with plain POSIX calls (retrying EINTR), so that
/// sizes are checked before anything is allocated.
enum FileReader {
    /// The size of the regular file at `path`.
    static func size(path: String) throws(FileReadError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileReadError(reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw FileReadError(reason: "not a regular file") }
        return Int(info.st_size)
    }

    /// `length` bytes at `offset` (nil: to the end of the file).
    static func read(path: String, offset: Int = 0, length: Int? = nil) throws(FileReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileReadError(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw FileReadError(reason: "not a regular file") }
        let size = Int(info.st_size)
        let length = length ?? max(0, size - offset)
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard offset >= 0, !overflow, end <= size else {
            throw FileReadError(reason: "offset \(offset) + length \(length) is past the end of the \(size)-byte file")
        }
        var bytes = [UInt8](repeating: 0, count: length)
        var done = 0
        while done < length {
            let n = bytes.withUnsafeMutableBytes { buf in pread(fd, buf.baseAddress! + done, length - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw FileReadError(reason: n == 0 ? "unexpected end of file" : String(cString: strerror(errno))) }
            done += n
        }
        return bytes
    }

    /// Writes `bytes` to `path`, replacing it.
    static func writeFile(path: String, bytes: [UInt8]) throws(FileReadError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileReadError(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buf in write(fd, buf.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw FileReadError(reason: String(cString: strerror(errno))) }
            done += n
        }
    }
}
