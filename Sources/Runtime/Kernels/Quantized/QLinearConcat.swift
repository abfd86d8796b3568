import Model

/// com.microsoft QLinearConcat: inputs Y_scale, Y_zero_point, then (X, X_scale,
/// X_zero_point) per tensor; every input is requantized to the output's parameters
/// and concatenated along `axis`. As onnxruntime, requantization is a 256-entry
/// lookup table per input built at prepare (exact: round half to even of
/// (x − x_zp)·x_scale/y_scale, plus y_zp, saturated); an input whose parameters equal
/// the output's is copied.
///
/// Counts 1 op per element of every requantized input (the table lookup), 0 for copied ones.
struct QLinearConcatKernel: Kernel {
    let outer: Int
    /// Per input: data input index, bytes per outer row, and the table offset (nil = copy).
    let parts: [(input: Int, block: Int, table: Int?)]
    let rowBytes: Int
    let tables: QuantizedByteTables

    func run(_ context: borrowing KernelContext) {
        let dst = context.outputs[0].assumingMemoryBound(to: UInt8.self)
        let ins = context.inputs
        let t = tables.pointer
        parallelChunks(context.pool, count: outer, grain: max(1, (1 << 15) / max(rowBytes, 1))) { range in
            for o in range {
                var at = o * rowBytes
                for part in parts where part.block > 0 {
                    let src = ins[part.input]!.assumingMemoryBound(to: UInt8.self) + o * part.block
                    if let offset = part.table {
                        let table = t + offset
                        for j in 0..<part.block { dst[at + j] = table[Int(src[j])] }
                    } else {
                        (dst + at).update(from: src, count: part.block)
                    }
                    at += part.block
                }
            }
        }
    }
}

/// Constant byte lookup tables a kernel owns.
struct QuantizedByteTables: @unchecked Sendable {
    let storage: TensorStorage
    var pointer: UnsafePointer<UInt8> { UnsafePointer(storage.bytes.assumingMemoryBound(to: UInt8.self)) }
    init(_ values: [UInt8]) {
        storage = TensorStorage(count: max(values.count, 1))
        values.withUnsafeBytes { if let base = $0.baseAddress { storage.bytes.copyMemory(from: base, byteCount: $0.count) } }
    }
}

/// The 256-entry requantization table from (scale, zp) to (outScale, outZp), indexed
/// by the stored byte of an int8/uint8 value.
func requantizationTable(_ q: any WholeQuantizedElement.Type, scale: Double, zeroPoint: Int32, outScale: Double, outZeroPoint: Int32) -> [UInt8] {
    let (lo, hi) = (Double(q.minValue), Double(q.maxValue))
    return (0..<256).map { byte in
        let value = q.dtype == .int8 ? Int32(Int8(truncatingIfNeeded: byte)) : Int32(byte)
        let v = (Double(value - zeroPoint) * scale / outScale).rounded(.toNearestOrEven) + Double(outZeroPoint)
        return UInt8(truncatingIfNeeded: Int32(Swift.min(hi, Swift.max(lo, v))))
    }
}

let qlinearConcatFactory: KernelFactory = { sig in
    let out = try sig.outputType(0)
    let yScale = try constantScalar(sig, 0, "Y_scale")
    let yZero = try constantZeroPoint(sig, 1, dtype: out.dtype)
    guard (sig.inputTypes.count - 2) % 3 == 0, sig.inputTypes.count >= 5 else {
        throw sig.shape("expects Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) triples; has \(sig.inputTypes.count) inputs")
    }
    let rank = out.shape.count
    let axis = try sig.axis(try sig.int("axis", 0), rank: rank)
    let outer = elementCount(Array(out.shape.prefix(axis)))
    return try withByteQuantized(sig, out.dtype) { q throws(KernelError) in
        var parts: [(input: Int, block: Int, table: Int?)] = [], tables: [UInt8] = [], total = 0, ops: Int64 = 0
        var axisSum = 0
        for i in stride(from: 2, to: sig.inputTypes.count, by: 3) {
            let x = try sig.inputType(i)
            guard x.dtype == out.dtype, x.shape.count == rank,
                  (0..<rank).allSatisfy({ $0 == axis || x.shape[$0] == out.shape[$0] }) else {
                throw sig.shape("input \(i) \(x.dtype)\(x.shape) does not match the output \(out.dtype)\(out.shape) outside axis \(axis)")
            }
            axisSum += x.shape[axis]
            let block = elementCount(Array(x.shape.dropFirst(axis)))
            let s = try constantScalar(sig, i + 1, "X_scale"), z = try constantZeroPoint(sig, i + 2, dtype: x.dtype)
            if s == yScale && z == yZero {
                parts.append((i, block, nil))
            } else {
                parts.append((i, block, tables.count))
                tables += requantizationTable(q, scale: s, zeroPoint: z, outScale: yScale, outZeroPoint: yZero)
                ops += Int64(x.elementCount)
            }
            total += block
        }
        guard axisSum == out.shape[axis] else { throw sig.shape("inputs add up to \(axisSum) along axis \(axis), output has \(out.shape[axis])") }
        let kernel = QLinearConcatKernel(outer: outer, parts: parts, rowBytes: total, tables: QuantizedByteTables(tables))
        return PreparedKernel(kernel: kernel, ops: ops > 0 ? [out.dtype: ops] : [:], computeType: out.dtype)
    }
}
