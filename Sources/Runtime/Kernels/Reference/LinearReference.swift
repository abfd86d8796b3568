#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scalar oracles for the linear-algebra kernels (tflite-micro's reference kernels): plain
/// loops straight from the ONNX definitions, accumulating in Double, over NCHW arrays.
/// Tests compare the SIMD kernels with these; nothing here is tuned.
public enum LinearReference {
    /// op(A) · op(B) for row-major A (M×K, or K×M when transA) and B (K×N, or N×K when transB).
    public static func gemm(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    s += Double(av) * Double(bv)
                }
                c[i * n + j] = Float(s)
            }
        }
        return c
    }

    /// 2-D convolution. `x` is [N, C, H, W], `w` is [M, C/group, kH, kW]; `pads` is
    /// [top, left, bottom, right]. Returns the output and its shape [N, M, oH, oW].
    public static func conv(x: [Float], xShape: [Int], w: [Float], wShape: [Int], bias: [Float]?,
                            strides: [Int], pads: [Int], dilations: [Int], group: Int) -> (values: [Float], shape: [Int]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (m, cg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
        let oh = (h + pads[0] + pads[2] - (kh - 1) * dilations[0] - 1) / strides[0] + 1
        let ow = (wd + pads[1] + pads[3] - (kw - 1) * dilations[1] - 1) / strides[1] + 1
        let mg = m / group
        var y = [Float](repeating: 0, count: n * m * oh * ow)
        for b in 0..<n {
            for oc in 0..<m {
                let g = oc / mg
                for r in 0..<oh {
                    for q in 0..<ow {
                        var s = Double(bias?[oc] ?? 0)
                        for ic in 0..<cg {
                            let ch = g * cg + ic
                            for i in 0..<kh {
                                let ih = r * strides[0] - pads[0] + i * dilations[0]
                                if ih < 0 || ih >= h { continue }
                                for j in 0..<kw {
                                    let iw = q * strides[1] - pads[1] + j * dilations[1]
                                    if iw < 0 || iw >= wd { continue }
                                    s += Double(x[((b * c + ch) * h + ih) * wd + iw]) * Double(w[((oc * cg + ic) * kh + i) * kw + j])
                                }
                            }
                        }
                        y[((b * m + oc) * oh + r) * ow + q] = Float(s)
                    }
                }
            }
        }
        return (y, [n, m, oh, ow])
    }

    /// 2-D transposed convolution by scattering every input pixel. `w` is
    /// [C, M/group, kH, kW]; `pads` is [top, left, bottom, right].
    public static func convTranspose(x: [Float], xShape: [Int], w: [Float], wShape: [Int], bias: [Float]?,
                                     strides: [Int], pads: [Int], dilations: [Int], outputPadding: [Int],
                                     group: Int) -> (values: [Float], shape: [Int]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (mg, kh, kw) = (wShape[1], wShape[2], wShape[3])
        let m = mg * group, cg = c / group
        let oh = strides[0] * (h - 1) + outputPadding[0] + (kh - 1) * dilations[0] + 1 - pads[0] - pads[2]
        let ow = strides[1] * (wd - 1) + outputPadding[1] + (kw - 1) * dilations[1] + 1 - pads[1] - pads[3]
        var acc = [Double](repeating: 0, count: n * m * oh * ow)
        for b in 0..<n {
            for ch in 0..<c {
                let g = ch / cg
                for ih in 0..<h {
                    for iw in 0..<wd {
                        let xv = Double(x[((b * c + ch) * h + ih) * wd + iw])
                        for oc in 0..<mg {
                            for i in 0..<kh {
                                let r = ih * strides[0] - pads[0] + i * dilations[0]
                                if r < 0 || r >= oh { continue }
                                for j in 0..<kw {
                                    let q = iw * strides[1] - pads[1] + j * dilations[1]
                                    if q < 0 || q >= ow { continue }
                                    acc[((b * m + g * mg + oc) * oh + r) * ow + q] += xv * Double(w[((ch * mg + oc) * kh + i) * kw + j])
                                }
                            }
                        }
                    }
                }
            }
        }
        var y = acc.map { Float($0) }
        if let bias {
            for i in 0..<y.count { y[i] += bias[(i / (oh * ow)) % m] }
        }
        return (y, [n, m, oh, ow])
    }

    /// The pooling operators' reductions.
    public enum PoolKind: Sendable {
        case max
        case average(countIncludePad: Bool)
        case lp(p: Int)
    }

    /// 2-D pooling over [N, C, H, W]; `pads` is [top, left, bottom, right].
    public static func pool(_ kind: PoolKind, x: [Float], xShape: [Int], kernel: [Int], strides: [Int], pads: [Int],
                            dilations: [Int] = [1, 1], ceilMode: Bool = false) -> (values: [Float], shape: [Int]) {
        let (n, c, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        func outSize(_ i: Int, _ pb: Int, _ pe: Int, _ axis: Int) -> Int {
            let span = Double(i + pb + pe - (kernel[axis] - 1) * dilations[axis] - 1) / Double(strides[axis])
            var o = Int(ceilMode ? span.rounded(.up) : span.rounded(.down)) + 1
            if ceilMode && (o - 1) * strides[axis] >= i + pb { o -= 1 }
            return o
        }
        let oh = outSize(h, pads[0], pads[2], 0), ow = outSize(wd, pads[1], pads[3], 1)
        var y = [Float](repeating: 0, count: n * c * oh * ow)
        for p in 0..<n * c {
            for r in 0..<oh {
                for q in 0..<ow {
                    var best = -Float.infinity, sum = 0.0, valid = 0, padded = 0
                    for i in 0..<kernel[0] {
                        let ih = r * strides[0] - pads[0] + i * dilations[0]
                        for j in 0..<kernel[1] {
                            let iw = q * strides[1] - pads[1] + j * dilations[1]
                            if ih >= -pads[0] && ih < h + pads[2] && iw >= -pads[1] && iw < wd + pads[3] { padded += 1 }
                            guard ih >= 0 && ih < h && iw >= 0 && iw < wd else { continue }
                            let v = x[(p * h + ih) * wd + iw]
                            valid += 1
                            best = Swift.max(best, v)
                            switch kind {
                            case .lp(let e): sum += pow(Double(Swift.abs(v)), Double(e))
                            default: sum += Double(v)
                            }
                        }
                    }
                    let v: Float
                    switch kind {
                    case .max: v = best
                    case .average(let include): v = Float(sum / Double(Swift.max(1, include ? padded : valid)))
                    case .lp(let e): v = Float(pow(sum, 1 / Double(e)))
                    }
                    y[(p * oh + r) * ow + q] = v
                }
            }
        }
        return (y, [n, c, oh, ow])
    }

    /// BatchNormalization (inference) over [N, C, ...].
    public static func batchNorm(x: [Float], shape: [Int], scale: [Float], bias: [Float], mean: [Float], variance: [Float], epsilon: Float) -> [Float] {
        let c = shape[1], plane = shape.dropFirst(2).reduce(1, *)
        return x.indices.map { i in
            let ch = (i / plane) % c
            return Float((Double(x[i]) - Double(mean[ch])) / (Double(variance[ch]) + Double(epsilon)).squareRoot() * Double(scale[ch]) + Double(bias[ch]))
        }
    }

    /// InstanceNormalization over [N, C, ...].
    public static func instanceNorm(x: [Float], shape: [Int], scale: [Float], bias: [Float], epsilon: Float) -> [Float] {
        let c = shape[1], plane = shape.dropFirst(2).reduce(1, *)
        var y = [Float](repeating: 0, count: x.count)
        for p in 0..<x.count / plane {
            let slice = x[p * plane..<(p + 1) * plane].map(Double.init)
            let mean = slice.reduce(0, +) / Double(plane)
            let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(plane)
            for i in 0..<plane {
                y[p * plane + i] = Float((slice[i] - mean) / (variance + Double(epsilon)).squareRoot() * Double(scale[p % c]) + Double(bias[p % c]))
            }
        }
        return y
    }

    /// LRN across channels over [N, C, ...].
    public static func lrn(x: [Float], shape: [Int], size: Int, alpha: Float, beta: Float, bias: Float) -> [Float] {
        let c = shape[1], plane = shape.dropFirst(2).reduce(1, *)
        return x.indices.map { i in
            let ch = (i / plane) % c, base = i - ch * plane
            var sq = 0.0
            for cc in Swift.max(0, ch - (size - 1) / 2)...Swift.min(c - 1, ch + size / 2) {
                let v = Double(x[base + cc * plane]); sq += v * v
            }
            return Float(Double(x[i]) / pow(Double(bias) + Double(alpha) / Double(size) * sq, Double(beta)))
        }
    }
}
