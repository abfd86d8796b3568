/// A minimal reader of the protobuf wire format: enough to walk an ONNX file's
/// top-level structure without decoding tensors. Every read is bounds-checked, so
/// corrupt input throws rather than crashing.
struct ProtobufReader {
    enum Field {
        case varint(UInt64)
        case fixed64
        case bytes(ArraySlice<UInt8>)
        case fixed32
    }
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private let data: ArraySlice<UInt8>
    private var position: Int

    init(_ data: ArraySlice<UInt8>) { self.data = data; position = data.startIndex }

    var isAtEnd: Bool { position >= data.endIndex }

    /// The next (field number, value); throws on anything the wire format forbids.
    mutating func next() throws -> (number: Int, field: Field) {
        let key = try varint()
        let number = Int(key >> 3)
        guard number > 0 else { throw Malformed(description: "field number 0 at byte \(position - data.startIndex)") }
        switch key & 7 {
        case 0: return (number, .varint(try varint()))
        case 1: try skip(8); return (number, .fixed64)
        case 2:
            let length = try varint()
            guard length <= UInt64(data.endIndex - position) else {
                throw Malformed(description: "a length of \(length) runs past the end of the data")
            }
            let start = position
            position += Int(length)
            return (number, .bytes(data[start..<position]))
        case 5: try skip(4); return (number, .fixed32)
        default: throw Malformed(description: "wire type \(key & 7) at byte \(position - data.startIndex)")
        }
    }

    private mutating func skip(_ count: Int) throws {
        guard data.endIndex - position >= count else { throw Malformed(description: "truncated fixed-width field") }
        position += count
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard position < data.endIndex else { throw Malformed(description: "truncated varint") }
            let byte = data[position]
            position += 1
            result |= UInt64(byte & 0x7f) << UInt64(shift)
            if byte & 0x80 == 0 { return result }
        }
        throw Malformed(description: "varint longer than 10 bytes")
    }

    /// Every field of a message, in order.
    static func fields(_ data: ArraySlice<UInt8>) throws -> [(number: Int, field: Field)] {
        var reader = ProtobufReader(data)
        var fields: [(Int, Field)] = []
        while !reader.isAtEnd { fields.append(try reader.next()) }
        return fields
    }

    /// Decodes a packed or single varint field's values.
    static func varints(_ field: Field) throws -> [UInt64] {
        switch field {
        case .varint(let v): return [v]
        case .bytes(let packed):
            var reader = ProtobufReader(packed)
            var values: [UInt64] = []
            while !reader.isAtEnd { values.append(try reader.varint()) }
            return values
        default: return []
        }
    }
}
