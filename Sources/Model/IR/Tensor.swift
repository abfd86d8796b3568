/// Owned, 64-byte aligned bytes behind a tensor. A class so that large weights are
/// shared, not copied, when a `Tensor` value is passed around.
public final class TensorStorage: @unchecked Sendable {
    /// The start of the bytes; valid for the storage's lifetime.
    public let bytes: UnsafeMutableRawPointer
    /// Size in bytes.
    public let count: Int

    /// Zero-filled storage of `count` bytes.
    public init(count: Int) {
        self.count = count
        // Alignment 64 keeps SIMD loads on one cache line; at least one byte so the
        // pointer is never null for empty tensors.
        bytes = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
    }

    deinit { bytes.deallocate() }
}

/// A dense tensor: element type, shape and owned bytes in row-major order.
///
/// Used for initializers, graph inputs and outputs; kernels work on arena views.
public struct Tensor: Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let storage: TensorStorage

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Bytes the elements occupy (int4 packed two per byte).
    public var byteCount: Int { dtype.byteCount(elements: elementCount) }

    /// A zero-filled tensor.
    public init(dtype: DType, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
        storage = TensorStorage(count: dtype.byteCount(elements: shape.reduce(1, *)))
    }

    /// Wraps existing storage; `storage.count` must cover the shape.
    public init(dtype: DType, shape: [Int], storage: TensorStorage) {
        precondition(storage.count >= dtype.byteCount(elements: shape.reduce(1, *)), "storage smaller than shape")
        self.dtype = dtype
        self.shape = shape
        self.storage = storage
    }

    /// A tensor holding `values`; `T` must match `dtype`'s element size.
    public init<T: BitwiseCopyable>(dtype: DType, shape: [Int], values: [T]) {
        precondition(values.count == shape.reduce(1, *), "value count \(values.count) does not match shape \(shape)")
        precondition(MemoryLayout<T>.stride * 8 == dtype.bitWidth, "element type does not match \(dtype)")
        self.init(dtype: dtype, shape: shape)
        values.withUnsafeBytes { src in
            storage.bytes.copyMemory(from: src.baseAddress!, byteCount: src.count)
        }
    }

    /// Convenience for fp32 tensors.
    public init(floats: [Float], shape: [Int]) { self.init(dtype: .float32, shape: shape, values: floats) }

    /// Copies the elements out as `T` (which must match the dtype's size).
    public func scalars<T: BitwiseCopyable>(as type: T.Type = T.self) -> [T] {
        precondition(MemoryLayout<T>.stride * 8 == dtype.bitWidth, "element type does not match \(dtype)")
        let n = elementCount
        return [T](unsafeUninitializedCapacity: n) { buf, initialized in
            UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(start: storage.bytes, count: n * MemoryLayout<T>.stride))
            initialized = n
        }
    }

    /// The tensor's elements widened to Int, for shape-like int32/int64 tensors.
    public func integers() -> [Int] {
        switch dtype {
        case .int64: scalars(as: Int64.self).map { Int($0) }
        case .int32: scalars(as: Int32.self).map { Int($0) }
        case .int8: scalars(as: Int8.self).map { Int($0) }
        case .uint8, .bool: scalars(as: UInt8.self).map { Int($0) }
        case .int16: scalars(as: Int16.self).map { Int($0) }
        default: preconditionFailure("integers() on \(dtype) tensor")
        }
    }

    /// A new tensor sharing the bytes, with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == elementCount, "reshape \(shape) -> \(newShape) changes element count")
        return Tensor(dtype: dtype, shape: newShape, storage: storage)
    }
}
