import Foundation
import Model

/// Reads the `.npy` files `scripts/fixtures.py` writes (numpy format 1.0-3.0,
/// little-endian, C order). Kept in the tests, independent of the Model module's
/// own reader, so a bug there cannot hide one here.
enum NumpyReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func read(path: String) throws -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "cannot read \(path)") }
        let bytes = [UInt8](data)
        guard bytes.count > 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw Failure(description: "\(path): not a .npy file")
        }
        let major = bytes[6]
        let headerLength: Int, start: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10
        } else {
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }; start = 12
        }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        guard let descr = field(header, "descr"), let shapeText = field(header, "shape") else {
            throw Failure(description: "\(path): header without descr/shape: \(header)")
        }
        if header.contains("'fortran_order': True") { throw Failure(description: "\(path): Fortran order") }
        let dtypes: [String: DType] = ["<f4": .float32, "<f2": .float16, "<f8": .float64, "<i8": .int64,
                                       "<i4": .int32, "|i1": .int8, "|u1": .uint8, "|b1": .bool]
        guard let dtype = dtypes[descr] else { throw Failure(description: "\(path): element type \(descr) not handled") }
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let tensor = Tensor(dtype: dtype, shape: shape)
        let offset = start + headerLength
        guard bytes.count - offset >= tensor.byteCount else { throw Failure(description: "\(path): truncated") }
        bytes.withUnsafeBytes { src in
            tensor.storage.bytes.copyMemory(from: src.baseAddress! + offset, byteCount: tensor.byteCount)
        }
        return tensor
    }

    /// The text of `'key': value` in numpy's header dict (strings unquoted, tuples without parentheses).
    private static func field(_ header: String, _ key: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "'" {
            return String(rest.dropFirst().prefix { $0 != "'" })
        }
        if rest.first == "(" {
            return String(rest.dropFirst().prefix { $0 != ")" })
        }
        return nil
    }
}
