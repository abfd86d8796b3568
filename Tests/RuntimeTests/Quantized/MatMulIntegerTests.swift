import Model
import Runtime
import Testing

/// One MatMulInteger / QLinearMatMul configuration.
struct IntegerMatMulCase: Sendable, CustomStringConvertible {
    var a: [Int], b: [Int]
    var aType: DType = .uint8, bType: DType = .int8
    var constantB = true
    /// Zero points per row of A / per column of B (else per tensor).
    var perRowA = false, perColumnB = false

    var description: String {
        "\(a) × \(b) \(aType)×\(bType)\(constantB ? "" : " runtime-B")\(perRowA ? " zA/row" : "")\(perColumnB ? " zB/col" : "")"
    }
    var m: Int { a.count == 1 ? 1 : a[a.count - 2] }
    var k: Int { a[a.count - 1] }
    var n: Int { b.count == 1 ? 1 : b[b.count - 1] }
}

/// Operands and the int32 reference of one case, batch broadcasting done by hand.
struct IntegerMatMulData {
    var a: [Int], b: [Int], za: [Int], zb: [Int]
    var accumulators: [Int], outShape: [Int]

    /// `centered`: zero points near the middle of the range (requantization tests), else full range.
    init(_ c: IntegerMatMulCase, seed: UInt64, centered: Bool = false) {
        var rng = LinearSeededGenerator(seed: seed)
        a = rng.ints(c.aType, c.a.reduce(1, *))
        b = rng.ints(c.bType, c.b.reduce(1, *))
        za = (0..<(c.perRowA ? c.m : 1)).map { _ in centered ? rng.centeredInt(c.aType) : rng.int(c.aType) }
        zb = (0..<(c.perColumnB ? c.n : 1)).map { _ in centered ? rng.centeredInt(c.bType) : rng.int(c.bType) }
        let (m, n, k) = (c.m, c.n, c.k)
        let aBatch = c.a.count > 2 ? Array(c.a.dropLast(2)) : [], bBatch = c.b.count > 2 ? Array(c.b.dropLast(2)) : []
        let rank = max(aBatch.count, bBatch.count)
        let aB = [Int](repeating: 1, count: rank - aBatch.count) + aBatch, bB = [Int](repeating: 1, count: rank - bBatch.count) + bBatch
        let outBatch = zip(aB, bB).map { max($0, $1) }
        accumulators = []
        for flat in 0..<outBatch.reduce(1, *) {
            var rem = flat, ai = 0, bi = 0, sa = 1, sb = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                let idx = rem % outBatch[d]; rem /= outBatch[d]
                if aB[d] != 1 { ai += idx * sa }
                if bB[d] != 1 { bi += idx * sb }
                sa *= aB[d]; sb *= bB[d]
            }
            accumulators += IntegerLinearReference.matmul(Array(a[ai * m * k..<(ai + 1) * m * k]), Array(b[bi * k * n..<(bi + 1) * k * n]),
                                                          m: m, n: n, k: k, za: za, zb: zb)
        }
        outShape = outBatch + (c.a.count > 1 ? [m] : []) + (c.b.count > 1 ? [n] : [])
    }
}

@Suite("Quantized: MatMulInteger and QLinearMatMul")
struct MatMulIntegerTests {
    static let cases: [IntegerMatMulCase] = [
        IntegerMatMulCase(a: [7, 33], b: [33, 19]),
        IntegerMatMulCase(a: [13, 301], b: [301, 37], perRowA: true, perColumnB: true),
        IntegerMatMulCase(a: [2, 3, 5, 17], b: [17, 9], aType: .int8),
        IntegerMatMulCase(a: [3, 1, 6, 20], b: [4, 20, 11], bType: .uint8, constantB: false),
        IntegerMatMulCase(a: [40], b: [40, 23]),
        IntegerMatMulCase(a: [9, 40], b: [40], aType: .int8, bType: .int8),
        // Two rows, many columns: tasks split B's panels over one chunk of A.
        IntegerMatMulCase(a: [2, 256], b: [256, 300], perColumnB: true),
        // Several chunks of rows (K = 600 → 78-row chunks).
        IntegerMatMulCase(a: [100, 600], b: [600, 70], perRowA: true),
        // Both operands at run time: the smaller one is packed whole first (B here, A below).
        IntegerMatMulCase(a: [50, 100], b: [100, 40], constantB: false, perColumnB: true),
        IntegerMatMulCase(a: [20, 128], b: [128, 64], aType: .int8, constantB: false),
        IntegerMatMulCase(a: [1, 77], b: [77, 1], constantB: false),
    ]

    @Test("MatMulInteger accumulators are exact", arguments: cases, [1, 3])
    func matMulInteger(_ c: IntegerMatMulCase, threads: Int) throws {
        let d = IntegerMatMulData(c, seed: UInt64(c.k * 17 + c.m + c.n))
        let inputs: [IntegerLinearInput?] = [
            .ints(c.aType, d.a, c.a), .ints(c.bType, d.b, c.b, constant: c.constantB),
            .ints(c.aType, d.za, c.perRowA ? [c.m] : []), .ints(c.bType, d.zb, c.perColumnB ? [c.n] : [], constant: true),
        ]
        let (y, prepared) = try integerLinearRun("MatMulInteger", inputs: inputs, output: TensorType(dtype: .int32, shape: d.outShape),
                                                 threads: threads)
        integerLinearExpectEqual(y, d.accumulators, "MatMulInteger \(c) threads=\(threads)")
        #expect(prepared.macs == [c.aType: Int64(d.accumulators.count) * Int64(c.k)])
        #expect(prepared.computeType == c.aType)
    }

    @Test("QLinearMatMul requantizes exactly", arguments: cases, [1, 3])
    func qlinearMatMul(_ c: IntegerMatMulCase, threads: Int) throws {
        let d = IntegerMatMulData(c, seed: UInt64(c.k * 5 + c.m * 3 + c.n), centered: true)
        var rng = LinearSeededGenerator(seed: 7)
        let yType: DType = c.aType
        let sa = c.perRowA ? (0..<c.m).map { _ in Float.random(in: 0.01...0.03, using: &rng) } : [Float(0.02)]
        let sb = c.perColumnB ? (0..<c.n).map { _ in Float.random(in: 0.004...0.01, using: &rng) } : [Float(0.006)]
        let (ys, zy) = integerLinearOutputQuantization(d.accumulators, inputScale: 0.02 * 0.006, yType)
        let sy = [ys]
        let inputs: [IntegerLinearInput?] = [
            .ints(c.aType, d.a, c.a), .float(sa, c.perRowA ? [c.m] : []), .ints(c.aType, d.za, c.perRowA ? [c.m] : [], constant: true),
            .ints(c.bType, d.b, c.b, constant: c.constantB), .float(sb, c.perColumnB ? [c.n] : []),
            .ints(c.bType, d.zb, c.perColumnB ? [c.n] : [], constant: true), .float(sy), .ints(yType, [zy], [], constant: true),
        ]
        let (y, prepared) = try integerLinearRun("QLinearMatMul", inputs: inputs, output: TensorType(dtype: yType, shape: d.outShape),
                                                 threads: threads)
        let n = c.n, m = c.m
        let expected = d.accumulators.enumerated().map { idx, acc in
            let i = (idx / n) % m, j = idx % n
            return IntegerLinearReference.requantize(acc, scale: sa[sa.count == 1 ? 0 : i] * sb[sb.count == 1 ? 0 : j] / sy[0],
                                                     zeroPoint: zy, yType)
        }
        integerLinearExpectEqual(y, expected, "QLinearMatMul \(c) threads=\(threads)")
        let (lo, hi) = integerLinearRange(yType)
        if expected.count >= 8 {
            #expect(Set(expected).count > min(20, expected.count / 4) && expected.filter { $0 == lo || $0 == hi }.count * 4 < expected.count,
                    "degenerate test data for \(c)")
        }
        #expect(prepared.ops == [.int32: 2 * Int64(expected.count)])
    }

    @Test("Ties round half to even: acc · 0.5 for odd accumulators")
    func tiesToEven() throws {
        // K = 1, A = 1 (zero point 0), B = accumulators: y = round(b · 1 · 1 / 2) + 0.
        let b = [1, 3, 5, -1, -3, -5, 7, 2, -128, 127]
        let inputs: [IntegerLinearInput?] = [
            .ints(.int8, [1], [1, 1]), .float([1]), .ints(.int8, [0], [], constant: true),
            .ints(.int8, b, [1, b.count], constant: true), .float([1]), .ints(.int8, [0], [], constant: true),
            .float([2]), .ints(.int8, [0], [], constant: true),
        ]
        let (y, _) = try integerLinearRun("QLinearMatMul", inputs: inputs, output: TensorType(dtype: .int8, shape: [1, b.count]))
        #expect(y == [0, 2, 2, 0, -2, -2, 4, 1, -64, 64])
    }

    static let multipliers: [Float] = [1e-12, 0x1p-32 * 1.5, 0x1p-31 * 1.75, 0x1p-20, 0.37, 1, 3, 1000]
    static let outputTypes: [DType] = [.uint8, .int8]

    @Test("Requantization is exact across multiplier magnitudes, saturating at both ends", arguments: multipliers, outputTypes)
    func multiplierRange(_ multiplier: Float, _ yType: DType) throws {
        var rng = LinearSeededGenerator(seed: 21)
        let (m, n, k) = (9, 35, 64)
        let a = rng.ints(.uint8, m * k), b = rng.ints(.int8, k * n)
        let acc = IntegerLinearReference.matmul(a, b, m: m, n: n, k: k, za: [3], zb: [-2])
        let zy = yType == .uint8 ? 128 : 0
        let inputs: [IntegerLinearInput?] = [
            .ints(.uint8, a, [m, k]), .float([1]), .ints(.uint8, [3], [], constant: true),
            .ints(.int8, b, [k, n], constant: true), .float([multiplier]), .ints(.int8, [-2], [], constant: true),
            .float([1]), .ints(yType, [zy], [], constant: true),
        ]
        let (y, _) = try integerLinearRun("QLinearMatMul", inputs: inputs, output: TensorType(dtype: yType, shape: [m, n]))
        integerLinearExpectEqual(y, acc.map { IntegerLinearReference.requantize($0, scale: multiplier, zeroPoint: zy, yType) },
                                 "multiplier \(multiplier) → \(yType)")
    }

    @Test("MatMulInteger takes DynamicQuantizeLinear's run-time zero point for A")
    func runtimeZeroPoint() throws {
        var rng = LinearSeededGenerator(seed: 11)
        let a = rng.ints(.uint8, 5 * 24), b = rng.ints(.int8, 24 * 6)
        for za in [0, 77, 255] {
            let inputs: [IntegerLinearInput?] = [.ints(.uint8, a, [5, 24]), .ints(.int8, b, [24, 6], constant: true),
                                                 .ints(.uint8, [za], [], constant: false)]
            let (y, _) = try integerLinearRun("MatMulInteger", inputs: inputs, output: TensorType(dtype: .int32, shape: [5, 6]))
            integerLinearExpectEqual(y, IntegerLinearReference.matmul(a, b, m: 5, n: 6, k: 24, za: [za]), "za=\(za)")
        }
    }
}
