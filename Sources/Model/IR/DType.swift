/// An element type of a tensor, named as in ONNX's `TensorProto.DataType`.
///
/// The raw value is the lower-case name used in JSON and in device files
/// (`int8`, `float16`); `onnxCode` is the number ONNX stores.
public enum DType: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
    case float32, uint8, int8, uint16, int16, int32, int64, string, bool
    case float16, float64, uint32, uint64, bfloat16, uint4, int4

    /// The ONNX `TensorProto.DataType` number.
    public var onnxCode: Int32 {
        switch self {
        case .float32: 1
        case .uint8: 2
        case .int8: 3
        case .uint16: 4
        case .int16: 5
        case .int32: 6
        case .int64: 7
        case .string: 8
        case .bool: 9
        case .float16: 10
        case .float64: 11
        case .uint32: 12
        case .uint64: 13
        case .bfloat16: 16
        case .uint4: 21
        case .int4: 22
        }
    }

    /// Looks up a type by its ONNX number; nil for types Picojoule does not hold
    /// (complex, float8 variants).
    public init?(onnxCode: Int32) {
        guard let match = DType.allCases.first(where: { $0.onnxCode == onnxCode }) else { return nil }
        self = match
    }

    /// Bits per element; 4 for the packed int4 types.
    public var bitWidth: Int {
        switch self {
        case .bool, .uint8, .int8: 8
        case .uint16, .int16, .float16, .bfloat16: 16
        case .int32, .uint32, .float32: 32
        case .int64, .uint64, .float64: 64
        case .uint4, .int4: 4
        case .string: 0
        }
    }

    /// Bytes needed to store `count` elements (int4 packs two per byte, rounding up).
    public func byteCount(elements count: Int) -> Int {
        (count * bitWidth + 7) / 8
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .float64, .bfloat16: true
        default: false
        }
    }

    public var isInteger: Bool { !isFloatingPoint && self != .string && self != .bool }
}
