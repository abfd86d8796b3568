/// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0; C order, little endian),
/// for `picojoule run --input NAME=FILE.npy --output DIR`.
///
/// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public enum NPYFile {
    /// The dtypes `.npy` files may hold here, with numpy's type strings.
    static let descriptors: [(String, DType)] = [
        ("<f4", .float32), ("<f2", .float16), ("<f8", .float64), ("|i1", .int8), ("|u1", .uint8),
        ("<i4", .int32), ("<i8", .int64), ("|b1", .bool), ("<i2", .int16), ("<u2", .uint16),
    ]
    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads the `.npy` file at `path`.
    public static func read(path: String) throws(ModelError) -> Tensor {
        let bytes: [UInt8]
        do { bytes = try FileReader.read(path: path) } catch { throw .invalidTensorFile(path: path, reason: error.reason) }
        return try read(bytes: bytes, name: path)
    }

    /// Decodes `.npy` bytes; `name` appears in error messages.
    public static func read(bytes: [UInt8], name: String) throws(ModelError) -> Tensor {
        func fail(_ reason: String) -> ModelError { .invalidTensorFile(path: name, reason: reason) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not a .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw fail("unsupported format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = value(of: "descr", in: header)?.trimmingQuotes else { throw fail("header has no 'descr'") }
        guard let dtype = descriptors.first(where: { $0.0 == descr || ($0.0.hasPrefix("<") && "=" + $0.0.dropFirst() == descr) })?.1 else {
            throw fail("dtype '\(descr)' is not supported (float32/16/64, int8/16/32/64, uint8/16, bool; little endian)")
        }
        guard value(of: "fortran_order", in: header)?.hasPrefix("False") == true else { throw fail("Fortran-order arrays are not supported") }
        guard let shapeText = value(of: "shape", in: header), shapeText.hasPrefix("(") else { throw fail("header has no 'shape'") }
        var shape: [Int] = []
        for part in shapeText.dropFirst().prefix(while: { $0 != ")" }).split(separator: ",") {
            let t = part.trimmingCharacters(in: " ")
            if t.isEmpty { continue }
            guard let d = Int(t), d >= 0 else { throw fail("bad shape \(shapeText)") }
            shape.append(d)
        }
        guard let count = ShapeLimits.elementCount(shape) else { throw .dimensionOverflow(value: name, shape: shape) }
        let dataStart = headerStart + headerLength
        let byteCount = dtype.byteCount(elements: count)
        guard bytes.count - dataStart == byteCount else {
            throw fail("holds \(bytes.count - dataStart) data bytes, shape \(shape) of \(dtype) needs \(byteCount)")
        }
        return TensorDecoder.fromBytes(Array(bytes[dataStart...]), dtype: dtype, shape: shape)
    }

    /// Encodes `tensor` as a version 1.0 `.npy` file (2.0 when the header needs it).
    public static func bytes(_ tensor: Tensor) throws(ModelError) -> [UInt8] {
        guard let descr = descriptors.first(where: { $0.1 == tensor.dtype })?.0 else {
            throw .invalidTensorFile(path: "<\(tensor.dtype)>", reason: "dtype \(tensor.dtype) cannot be written as .npy")
        }
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'.
        let v2 = header.utf8.count + 11 > 65_535
        let prefix = v2 ? 12 : 10
        let total = (prefix + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: total - prefix - header.utf8.count - 1) + "\n"
        var out = magic + [v2 ? 2 : 1, 0]
        let n = header.utf8.count
        out += v2 ? [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24 & 0xff)] : [UInt8(n & 0xff), UInt8(n >> 8)]
        out += Array(header.utf8)
        out += Array(UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount))
        return out
    }

    /// Writes `tensor` to `path` as `.npy`.
    public static func write(_ tensor: Tensor, path: String) throws(ModelError) {
        let data = try bytes(tensor)
        do { try FileReader.writeFile(path: path, bytes: data) } catch { throw .invalidTensorFile(path: path, reason: error.reason) }
    }

    /// The text after `'key':` in a header dict, up to the end.
    private static func value(of key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        return String(header[r.upperBound...]).trimmingCharacters(in: " ")
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }

    /// The first quoted word: `'<f4', 'fortran...` → `<f4`.
    var trimmingQuotes: String? {
        guard first == "'" || first == "\"" else { return nil }
        let q = first!
        return String(dropFirst().prefix(while: { $0 != q }))
    }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}
