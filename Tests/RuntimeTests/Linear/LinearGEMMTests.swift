import Model
import Runtime
import Testing

/// Gemm and MatMul against `LinearReference.gemm` on seeded random shapes: odd sizes,
/// partial 6×16 tiles, depths across the 256-deep K block, constant and runtime B.
@Suite("Linear: Gemm and MatMul")
struct LinearGEMMTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (6, 16, 8), (7, 17, 5), (13, 33, 300), (37, 5, 64), (64, 100, 513), (150, 40, 31), (2, 2100, 3),
        // Last strips of 2 and 3 columns (the 4-wide tile), 1 (the 6×1 one) across depth blocks.
        (9, 18, 40), (20, 35, 260), (11, 49, 300),
    ]

    @Test("Gemm matches the reference", arguments: [1, 3])
    func gemm(threads: Int) throws {
        var rng = LinearSeededGenerator(seed: 11)
        for (index, s) in Self.shapes.enumerated() {
            let transA = index % 2 == 1, transB = index % 3 == 1
            let a = rng.floats(s.m * s.k), b = rng.floats(s.k * s.n)
            let expected = LinearReference.gemm(a, b, m: s.m, n: s.n, k: s.k, transA: transA, transB: transB)
            for constantB in [true, false] {
                let y = try linearRun("Gemm", attributes: ["transA": .int(transA ? 1 : 0), "transB": .int(transB ? 1 : 0)],
                                      inputs: [LinearInput(a, transA ? [s.k, s.m] : [s.m, s.k]),
                                               LinearInput(b, transB ? [s.n, s.k] : [s.k, s.n], constant: constantB)],
                                      outputShape: [s.m, s.n], threads: threads)
                linearExpectClose(y, expected, "Gemm \(s) transA=\(transA) transB=\(transB) constB=\(constantB) threads=\(threads)")
            }
        }
    }

    @Test("Gemm applies alpha, beta and a broadcast C")
    func gemmBias() throws {
        var rng = LinearSeededGenerator(seed: 12)
        let (m, n, k) = (9, 20, 11)
        let a = rng.floats(m * k), b = rng.floats(k * n)
        let product = LinearReference.gemm(a, b, m: m, n: n, k: k)
        for cShape in [[n], [m, 1], [1, n], [m, n], [1]] {
            let c = rng.floats(cShape.reduce(1, *))
            let y = try linearRun("Gemm", attributes: ["alpha": .float(0.5), "beta": .float(2)],
                                  inputs: [LinearInput(a, [m, k], constant: true), LinearInput(b, [k, n], constant: true), LinearInput(c, cShape, constant: true)],
                                  outputShape: [m, n], threads: 3)
            let expected = (0..<m * n).map { idx -> Float in
                let i = idx / n, j = idx % n
                let cv: Float = switch cShape {
                case [n]: c[j]
                case [m, 1]: c[i]
                case [1, n]: c[j]
                case [m, n]: c[idx]
                default: c[0]
                }
                return 0.5 * product[idx] + 2 * cv
            }
            linearExpectClose(y, expected, "Gemm C\(cShape)")
        }
    }

    @Test("MatMul broadcasts batches and promotes 1-D operands", arguments: [1, 3])
    func matmul(threads: Int) throws {
        var rng = LinearSeededGenerator(seed: 13)
        let cases: [(a: [Int], b: [Int], out: [Int])] = [
            ([2, 3, 7, 9], [9, 17], [2, 3, 7, 17]),
            ([7, 9], [4, 9, 5], [4, 7, 5]),
            ([2, 1, 5, 6], [1, 3, 6, 4], [2, 3, 5, 4]),
            ([9], [9, 5], [5]),
            ([3, 7, 9], [9], [3, 7]),
            ([130, 70], [70, 40], [130, 40]),
        ]
        for c in cases {
            let a = rng.floats(c.a.reduce(1, *)), b = rng.floats(c.b.reduce(1, *))
            let expected = Self.matmulReference(a, c.a, b, c.b)
            for constantB in [true, false] {
                let y = try linearRun("MatMul", inputs: [LinearInput(a, c.a), LinearInput(b, c.b, constant: constantB)],
                                      outputShape: c.out, threads: threads)
                linearExpectClose(y, expected, "MatMul \(c.a) × \(c.b) constB=\(constantB)")
            }
        }
    }

    @Test("Counts M·N·K multiply-accumulates and reports packed weights")
    func counting() throws {
        let prepared = try linearPrepare("Gemm", inputs: [LinearInput([Float](repeating: 1, count: 12), [3, 4]),
                                                          LinearInput([Float](repeating: 1, count: 20), [4, 5], constant: true)],
                                         outputShapes: [[3, 5]])
        #expect(prepared.macs[.float32, default: 0] == Int64(3 * 5 * 4))
        #expect((prepared.packedWeightBytes ?? 0) >= 4 * 5 * 4)
    }

    @Test("Rejects mismatched inner dimensions")
    func mismatch() {
        #expect(throws: KernelError.self) {
            try linearPrepare("MatMul", inputs: [LinearInput([Float](repeating: 0, count: 6), [2, 3]),
                                                 LinearInput([Float](repeating: 0, count: 8), [4, 2])], outputShapes: [[2, 2]])
        }
    }

    /// numpy matmul through the 2-D reference, batch by batch.
    static func matmulReference(_ a: [Float], _ aShape: [Int], _ b: [Float], _ bShape: [Int]) -> [Float] {
        let a2 = aShape.count == 1 ? [1, aShape[0]] : aShape, b2 = bShape.count == 1 ? [bShape[0], 1] : bShape
        let (m, k, n) = (a2[a2.count - 2], a2[a2.count - 1], b2[b2.count - 1])
        let ab = Array(a2.dropLast(2)), bb = Array(b2.dropLast(2))
        let rank = max(ab.count, bb.count)
        let ap = Array(repeating: 1, count: rank - ab.count) + ab, bp = Array(repeating: 1, count: rank - bb.count) + bb
        let out = zip(ap, bp).map { max($0, $1) }
        var result: [Float] = []
        for flat in 0..<out.reduce(1, *) {
            var rem = flat, ai = 0, bi = 0, aStride = 1, bStride = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                let idx = rem % out[d]; rem /= out[d]
                ai += (ap[d] == 1 ? 0 : idx) * aStride; bi += (bp[d] == 1 ? 0 : idx) * bStride
                aStride *= ap[d]; bStride *= bp[d]
            }
            result += LinearReference.gemm(Array(a[ai * m * k..<(ai + 1) * m * k]), Array(b[bi * k * n..<(bi + 1) * k * n]), m: m, n: n, k: k)
        }
        return result
    }
}
