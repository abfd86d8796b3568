#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a tensor's bytes from a file next to the model (ONNX external data).
///
/// A model is untrusted input: its `location` must stay inside the model's
/// folder, so absolute paths, `..` components and symlinks that resolve outside
/// are refused before anything is opened.
enum ExternalData {
    static func read(_ proto: Onnx_TensorProto, tensor: String, baseDirectory: String?, expectedBytes: Int, maxBytes: Int) throws(ModelError) -> [UInt8] {
        var entries: [String: String] = [:]
        for e in proto.externalData { entries[e.key] = e.value }
        let location = entries["location"] ?? ""
        guard !location.isEmpty else {
            throw .externalDataUnreadable(tensor: tensor, location: location, reason: "no 'location' key")
        }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw .externalDataEscape(tensor: tensor, location: location)
        }
        guard let base = baseDirectory else {
            throw .externalDataUnreadable(tensor: tensor, location: location, reason: "the model was loaded from bytes without a base directory")
        }
        guard let realBase = realPath(base) else {
            throw .externalDataUnreadable(tensor: tensor, location: location, reason: "model folder '\(base)' does not exist")
        }
        guard let realFile = realPath(base + "/" + location) else {
            throw .externalDataUnreadable(tensor: tensor, location: location, reason: "file not found")
        }
        guard realFile.hasPrefix(realBase.hasSuffix("/") ? realBase : realBase + "/") else {
            throw .externalDataEscape(tensor: tensor, location: location)
        }
        let offset = Int(entries["offset"] ?? "0")
        let length = entries["length"].map { Int($0) } ?? expectedBytes
        guard let offset, offset >= 0, let length, length >= 0 else {
            throw .externalDataUnreadable(tensor: tensor, location: location, reason: "offset or length is not a non-negative integer")
        }
        guard length == expectedBytes else {
            throw .rawDataSizeMismatch(tensor: tensor, expectedBytes: expectedBytes, actualBytes: length)
        }
        guard length <= maxBytes else {
            throw .externalDataUnreadable(tensor: tensor, location: location, reason: "\(length) bytes is over the limit of \(maxBytes)")
        }
        return try readRange(path: realFile, offset: offset, length: length, tensor: tensor, location: location)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func readRange(path: String, offset: Int, length: Int, tensor: String, location: String) throws(ModelError) -> [UInt8] {
        do {
            return try FileReader.read(path: path, offset: offset, length: length)
        } catch {
            throw .externalDataUnreadable(tensor: tensor, location: location, reason: error.reason)
        }
    }
}
