/// How an `InferenceSession` is built.
public struct SessionOptions: Sendable, Hashable {
    /// Threads in the session's fixed pool (1 = run on the caller's thread).
    public var threads: Int
    /// Refuse any node that would compute in float after lowering (issue 3).
    public var integerOnly: Bool
    /// In integer-only mode, allow Quantize/Dequantize at graph inputs and outputs.
    public var allowFloatIO: Bool

    public init(threads: Int = 1, integerOnly: Bool = false, allowFloatIO: Bool = true) {
        self.threads = threads; self.integerOnly = integerOnly; self.allowFloatIO = allowFloatIO
    }
}
