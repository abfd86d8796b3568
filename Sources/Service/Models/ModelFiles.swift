import Foundation

/// Uploaded models on disk, content-addressed: `<data dir>/models/<sha256>.onnx`.
/// The same bytes uploaded twice are stored once; a file is written to a temporary
/// name and renamed, so a crash never leaves a half-written model under its hash.
public struct ModelFiles: Sendable {
    public let directory: String

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    public func path(sha256: String) -> String { "\(directory)/\(sha256).onnx" }

    /// The hash of `bytes` (lower-case hex SHA-256).
    public static func sha256(_ bytes: [UInt8]) -> String { SHA256.hex(bytes) }

    /// Writes `bytes` under their hash unless already there; returns the hash.
    public func store(_ bytes: [UInt8]) throws -> String {
        let sha = Self.sha256(bytes)
        let final = path(sha256: sha)
        if FileManager.default.fileExists(atPath: final) { return sha }
        let temporary = "\(directory)/.upload-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        if rename(temporary, final) != 0 {
            let code = errno
            try? FileManager.default.removeItem(atPath: temporary)
            throw ServiceError(.internalServerError, code: "store_failed",
                               message: "cannot store the model in \(directory): \(String(cString: strerror(code)))")
        }
        return sha
    }

    public func exists(sha256: String) -> Bool { FileManager.default.fileExists(atPath: path(sha256: sha256)) }
}
