import Model

/// com.microsoft MatMulNBits: Y[..., N] = A[..., K] · dequantize(B)ᵀ (+ bias), B holding
/// `bits`-bit (4 or 8) weights in blocks of `block_size` along K: B is uint8
/// [N, ceil(K / block_size), block_size · bits / 8], element k of a block in the low
/// nibble first; scales [N · blocks]; zero points optional, either packed like B
/// ([N · ceil(blocks · bits / 8)] uint8) or in A's float type ([N · blocks]); the
/// default zero point is 2^(bits−1). g_idx is not supported.
///
/// The weights stay packed (they are read from the graph's constant as stored, so the
/// memory accounting sees 4 bits per weight); each run dequantizes one row of B at a
/// time into per-thread scratch and takes its dot products with every row of A.
///
/// Counts M·N·K MACs and 2·N·K dequantization ops (+ M·N bias adds) in float32.
struct MatMulNBitsKernel: Kernel {
    let m: Int, n: Int, k: Int
    let bits: Int, blockSize: Int, blocks: Int
    /// 0 none, 1 packed uint8, 2 float.
    let zeroPointKind: Int
    let hasBias: Bool
    let slots: Int

    func run(_ context: borrowing KernelContext) {
        let a = context.input(0, as: Float.self)
        let b = context.inputs[1]!.assumingMemoryBound(to: UInt8.self)
        let scales = context.input(2, as: Float.self)
        let zp = context.inputs.count > 3 ? context.inputs[3] : nil
        let bias = hasBias ? context.input(5, as: Float.self) : nil
        let y = context.output(0, as: Float.self)
        let (m, n, k, bits, blockSize, blocks, zpKind) = (m, n, k, bits, blockSize, blocks, zeroPointKind)
        let blob = blockSize * bits / 8
        let zpRow = (blocks * bits + 7) / 8
        let defaultZero = Float(1 << (bits - 1))
        let tasks = Swift.max(1, Swift.min(slots, Swift.min(context.pool.threadCount, n)))
        let scratch = context.scratch.assumingMemoryBound(to: Float.self)
        context.pool.parallelFor(tasks) { t in
            let w = scratch + t * ((k + 15) & ~15)
            for col in n * t / tasks..<n * (t + 1) / tasks {
                let row = b + col * blocks * blob
                for blk in 0..<blocks {
                    let scale = scales[col * blocks + blk]
                    var zero = defaultZero
                    if let zp {
                        if zpKind == 2 {
                            zero = zp.load(fromByteOffset: (col * blocks + blk) * 4, as: Float.self)
                        } else {
                            let byte = zp.load(fromByteOffset: col * zpRow + blk * bits / 8, as: UInt8.self)
                            zero = bits == 8 ? Float(byte) : Float((blk & 1 == 0) ? byte & 0xF : byte >> 4)
                        }
                    }
                    let start = blk * blockSize, end = Swift.min(k, start + blockSize)
                    let src = row + blk * blob
                    if bits == 8 {
                        for j in start..<end { w[j] = (Float(src[j - start]) - zero) * scale }
                    } else {
                        for j in start..<end {
                            let i = j - start
                            let byte = src[i >> 1]
                            w[j] = (Float((i & 1 == 0) ? byte & 0xF : byte >> 4) - zero) * scale
                        }
                    }
                }
                for r in 0..<m {
                    y[r * n + col] = dot(a + r * k, UnsafePointer(w), k) + (bias?[col] ?? 0)
                }
            }
        }
    }

    @inline(__always) private func dot(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ k: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        let rx = UnsafeRawPointer(x), rw = UnsafeRawPointer(w)
        var i = 0
        while i + 16 <= k {
            acc0 = acc0.addingProduct(rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                                      rw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            acc1 = acc1.addingProduct(rx.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self),
                                      rw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self))
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < k { s += x[i] * w[i]; i += 1 }
        return s
    }
}

let matMulNBitsFactory: KernelFactory = { sig in
    let a = try sig.inputType(0)
    guard a.dtype == .float32 else { throw sig.unsupported(a.dtype) }
    let k = try sig.int("K", 0), n = try sig.int("N", 0), bits = try sig.int("bits", 4), blockSize = try sig.int("block_size", 0)
    guard k > 0, n > 0, a.shape.last == k else { throw sig.invalid("K", "must be A's last dimension (A \(a.shape), K \(k)) with N > 0") }
    guard bits == 4 || bits == 8 else { throw sig.invalid("bits", "is \(bits); only 4 and 8 are supported") }
    guard blockSize >= 16, blockSize & (blockSize - 1) == 0 else { throw sig.invalid("block_size", "must be a power of two >= 16, is \(blockSize)") }
    if sig.hasInput(4) { throw KernelError.unsupportedOperator(node: sig.node.name, opType: "MatMulNBits with g_idx", domain: "com.microsoft", dtype: a.dtype) }
    let blocks = (k + blockSize - 1) / blockSize
    let b = try sig.inputType(1)
    guard b.dtype == .uint8, b.elementCount == n * blocks * (blockSize * bits / 8) else {
        throw sig.shape("B must be uint8 [\(n), \(blocks), \(blockSize * bits / 8)], is \(b.dtype)\(b.shape)")
    }
    let scales = try sig.inputType(2)
    guard scales.dtype == .float32, scales.elementCount == n * blocks else { throw sig.shape("scales must be float32 with \(n * blocks) elements, is \(scales.dtype)\(scales.shape)") }
    var zpKind = 0
    if sig.hasInput(3) {
        let z = try sig.inputType(3)
        if z.dtype == .uint8 {
            guard z.elementCount == n * ((blocks * bits + 7) / 8) else { throw sig.shape("packed zero points must have \(n * ((blocks * bits + 7) / 8)) bytes, have \(z.elementCount)") }
            zpKind = 1
        } else if z.dtype == .float32 {
            guard z.elementCount == n * blocks else { throw sig.shape("float zero points must have \(n * blocks) elements, have \(z.elementCount)") }
            zpKind = 2
        } else { throw sig.unsupported(z.dtype) }
    }
    let hasBias = sig.hasInput(5)
    if hasBias {
        let bias = try sig.inputType(5)
        guard bias.dtype == .float32, bias.elementCount == n else { throw sig.shape("bias must be float32 [\(n)], is \(bias.dtype)\(bias.shape)") }
    }
    let m = a.elementCount / k
    try sig.expectOutput(0, count: m * n)
    let slots = sig.linearSlots
    let kernel = MatMulNBitsKernel(m: m, n: n, k: k, bits: bits, blockSize: blockSize, blocks: blocks, zeroPointKind: zpKind,
                                   hasBias: hasBias, slots: slots)
    var ops = Int64(2 * n * k)
    if hasBias { ops += Int64(m * n) }
    return PreparedKernel(kernel: kernel, scratchBytes: slots * ((k + 15) & ~15) * 4, macs: [.float32: Int64(m) * Int64(n) * Int64(k)],
                          ops: [.float32: ops], computeType: .float32)
}
