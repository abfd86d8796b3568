import Model
import Runtime
import Testing

struct QGemmCase: Sendable, CustomStringConvertible {
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    var a: DType = .uint8, b: DType = .int8
    /// Shape of C, nil when absent.
    var c: [Int]? = nil
    /// Output dtype: float32 (no y_scale) or the y zero point's.
    var y: DType = .float32
    var alpha: Float = 1
    var perColumn = false
    var constantB = true

    var description: String {
        "\(m)×\(n)×\(k) tA\(transA ? 1 : 0) tB\(transB ? 1 : 0) \(a)×\(b)→\(y) C\(c.map { "\($0)" } ?? "-") α\(alpha)"
            + "\(perColumn ? " per-column" : "")\(constantB ? "" : " runtime-B")"
    }
}

@Suite("Quantized: com.microsoft QGemm")
struct QGemmTests {
    static let cases: [QGemmCase] = [
        QGemmCase(m: 7, n: 19, k: 33),
        QGemmCase(m: 13, n: 37, k: 301, transB: true, c: [37], y: .uint8, perColumn: true),
        QGemmCase(m: 20, n: 17, k: 64, transA: true, c: [20, 1], y: .uint8, alpha: 0.5),
        QGemmCase(m: 33, n: 48, k: 100, transA: true, transB: true, a: .int8, c: [33, 48], y: .int8, perColumn: true),
        QGemmCase(m: 9, n: 70, k: 49, c: [], alpha: 2, perColumn: true, constantB: false),
        QGemmCase(m: 64, n: 40, k: 257, transB: true, b: .uint8, c: [1, 40], y: .uint8, constantB: false),
    ]

    @Test("QGemm matches the int32 reference with its float or requantized epilogue", arguments: cases, [1, 3])
    func qgemm(_ c: QGemmCase, threads: Int) throws {
        var rng = LinearSeededGenerator(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
        let (m, n, k) = (c.m, c.n, c.k)
        let a = rng.ints(c.a, m * k), b = rng.ints(c.b, k * n)
        // Full-range zero points for float outputs, calibrated-like ones where the result is requantized.
        let pick: (DType, inout LinearSeededGenerator) -> Int = { d, g in c.y == .float32 ? g.int(d) : g.centeredInt(d) }
        let za = pick(c.a, &rng)
        let zb = (0..<(c.perColumn ? n : 1)).map { _ in pick(c.b, &rng) }
        let cValues = c.c.map { s in (0..<s.reduce(1, *)).map { _ in Int.random(in: -30000...30000, using: &rng) } }
        // Stored operands: Aᵀ (K×M) when transA, Bᵀ (N×K) when transB.
        let aStored = c.transA ? (0..<k * m).map { a[($0 % m) * k + $0 / m] } : a
        let bStored = c.transB ? (0..<n * k).map { b[($0 % k) * n + $0 / k] } : b
        var acc = IntegerLinearReference.matmul(a, b, m: m, n: n, k: k, za: [za], zb: zb)
        if let shape = c.c, let values = cValues {
            let cols = shape.last ?? 1, rows = shape.count >= 2 ? shape[shape.count - 2] : 1
            for i in 0..<m { for j in 0..<n { acc[i * n + j] += values[(rows == 1 ? 0 : i) * (cols == 1 ? 1 : cols) + (cols == 1 ? 0 : j)] } }
        }
        let sa: Float = 0.03
        let sb = c.perColumn ? (0..<n).map { _ in Float.random(in: 0.002...0.01, using: &rng) } : [Float(0.005)]
        var inputs: [IntegerLinearInput?] = [
            .ints(c.a, aStored, c.transA ? [k, m] : [m, k]), .float([sa]), .ints(c.a, [za], [], constant: true),
            .ints(c.b, bStored, c.transB ? [n, k] : [k, n], constant: c.constantB), .float(sb, c.perColumn ? [n] : []),
            .ints(c.b, zb, c.perColumn ? [n] : [], constant: true),
            c.c.map { .ints(.int32, cValues!, $0, constant: true) },
        ]
        let (sy, zy) = integerLinearOutputQuantization(acc, inputScale: c.alpha * sa * 0.005, c.y == .float32 ? .uint8 : c.y)
        if c.y != .float32 { inputs += [.float([sy]), .ints(c.y, [zy], [], constant: true)] }
        var attributes: [String: Attribute] = ["alpha": .float(c.alpha)]
        if c.transA { attributes["transA"] = .int(1) }
        if c.transB { attributes["transB"] = .int(1) }
        let (y, prepared) = try integerLinearRun("QGemm", domain: "com.microsoft", attributes: attributes, inputs: inputs,
                                                 output: TensorType(dtype: c.y, shape: [m, n]), threads: threads)
        let expected: [Double] = acc.enumerated().map { idx, v in
            let scale = c.alpha * sa * sb[sb.count == 1 ? 0 : idx % n]
            if c.y == .float32 { return Double(Float(v) * scale) }
            return Double(IntegerLinearReference.requantize(v, scale: scale / sy, zeroPoint: zy, c.y))
        }
        if c.y != .float32 {
            let (lo, hi) = integerLinearRange(c.y)
            #expect(Set(expected).count > 20 && expected.filter { $0 == Double(lo) || $0 == Double(hi) }.count * 4 < expected.count,
                    "degenerate test data for \(c)")
        }
        #expect(y == expected, "QGemm \(c) threads=\(threads): \(zip(y, expected).filter { $0 != $1 }.count) of \(y.count) differ")
        let mn = Int64(m * n)
        #expect(prepared.macs == [c.a: mn * Int64(k)])
        var ops: [DType: Int64] = c.y == .float32 ? [.float32: mn] : [.int32: 2 * mn]
        if c.c != nil { ops[.int32, default: 0] += mn }
        #expect(prepared.ops == ops)
        #expect(prepared.computeType == c.a)
    }

    @Test("QGemm is registered under com.microsoft only")
    func domain() {
        #expect(KernelRegistry.standard.factory(for: KernelKey("QGemm", domain: "com.microsoft", dtype: .uint8)) != nil)
        #expect(KernelRegistry.standard.factory(for: KernelKey("QGemm", dtype: .uint8)) == nil)
    }
}
