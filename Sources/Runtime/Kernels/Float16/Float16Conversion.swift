/// fp16 ↔ fp32 over whole buffers, sixteen at a time: with F16C (`-target-cpu haswell`)
/// the SIMD conversions are `vcvtph2ps` / `vcvtps2ph` (one 512-bit one in the AVX-512
/// build, two 256-bit ones else), where the scalar `Float16(x)` of a Double went through
/// a software `__truncdfhf2` call per element.
enum Float16Conversion {
    static func widen(_ src: UnsafePointer<Float16>, _ dst: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
        var j = range.lowerBound
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        while j + 16 <= range.upperBound {
            let h = s.loadUnaligned(fromByteOffset: j * 2, as: SIMD16<Float16>.self)
            d.storeBytes(of: SIMD16<Float>(h), toByteOffset: j * 4, as: SIMD16<Float>.self)
            j += 16
        }
        while j + 8 <= range.upperBound {
            let h = s.loadUnaligned(fromByteOffset: j * 2, as: SIMD8<Float16>.self)
            d.storeBytes(of: SIMD8<Float>(h), toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        while j < range.upperBound { dst[j] = Float(src[j]); j += 1 }
    }

    /// Round to nearest even, as `Float16(Float)` does.
    static func narrow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float16>, _ range: Range<Int>) {
        var j = range.lowerBound
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        while j + 16 <= range.upperBound {
            let f = s.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
            d.storeBytes(of: SIMD16<Float16>(f), toByteOffset: j * 2, as: SIMD16<Float16>.self)
            j += 16
        }
        while j + 8 <= range.upperBound {
            let f = s.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            d.storeBytes(of: SIMD8<Float16>(f), toByteOffset: j * 2, as: SIMD8<Float16>.self)
            j += 8
        }
        while j < range.upperBound { dst[j] = Float16(src[j]); j += 1 }
    }
}

/// Cast between float32 and float16 through `Float16Conversion` (same rounding as the
/// generic path, which goes through Double).
struct Float16CastKernel: Kernel {
    let count: Int
    let toHalf: Bool

    func run(_ context: borrowing KernelContext) {
        if toHalf {
            let x = context.input(0, as: Float.self), y = context.output(0, as: Float16.self)
            parallelChunks(context.pool, count: count, grain: 1 << 15) { Float16Conversion.narrow(x, y, $0) }
        } else {
            let x = context.input(0, as: Float16.self), y = context.output(0, as: Float.self)
            parallelChunks(context.pool, count: count, grain: 1 << 15) { Float16Conversion.widen(x, y, $0) }
        }
    }
}
