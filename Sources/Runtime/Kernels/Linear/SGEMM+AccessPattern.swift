/// Where `SGEMM.multiply`'s operands live, as regions of the planned layout: what the
/// cache model needs to replay the loop nest (`AccessStep`).
enum SGEMMRegionA {
    case packed(MemoryRegion)
    /// Row-major with unit column stride.
    case strided(MemoryRegion, rowStride: Int)
}

enum SGEMMRegionB {
    case packed(MemoryRegion)
    /// Row-major with unit column stride (a 1×1 conv's input planes).
    case strided(MemoryRegion, rowStride: Int)
    case im2col(Im2colGeometry, MemoryRegion)
}

extension MemoryRegion {
    /// `count` floats from float `offset` of this region.
    func floats(_ offset: Int, _ count: Int) -> MemoryRegion {
        MemoryRegion(space: space, offset: self.offset + offset * 4, bytes: count * 4)
    }
}

extension SGEMMRegionB {
    var needsPacking: Bool { if case .packed = self { false } else { true } }
}

extension SGEMM {
    /// `blockByStrip`'s order: B's source read once, strip by strip (replayed as one
    /// sweep), each strip's panel in one small scratch buffer, all of packed A swept once
    /// per strip and depth block, and C written once (read back after a first depth block).
    static func stripOrderSteps(m: Int, n: Int, k: Int, a: MemoryRegion, b: SGEMMRegionB, c: MemoryRegion, ldc: Int,
                                accumulate: Bool, into steps: inout [AccessStep]) {
        switch b {
        case .packed: return
        case let .strided(r, rs):
            if rs == n {
                steps.append(.read(r.floats(0, k * n)))
            } else {
                for p in 0..<k { steps.append(.read(r.floats(p * rs, n))) }
            }
        case let .im2col(g, r):
            let taps = g.kernelH * g.kernelW
            steps.append(.read(r.floats(0, (k + taps - 1) / taps * g.height * g.width)))
        }
        let kcb = min(kc, k)
        steps.append(.write(MemoryRegion(space: .scratch, offset: 0, bytes: kcb * nr * 4)))
        let sweeps = (n + nr - 1) / nr * ((k + kc - 1) / kc)
        steps.append(.read(a))
        if sweeps > 1 { steps.append(.reread(a, times: sweeps - 1, between: (nr * kcb + m * nr) * 4)) }
        let add = accumulate || k > kc
        if n == ldc {
            let tile = c.floats(0, m * ldc)
            if add { steps.append(.read(tile)) }
            steps.append(.write(tile))
        } else {
            for row in 0..<m {
                let tile = c.floats(row * ldc, n)
                if add { steps.append(.read(tile)) }
                steps.append(.write(tile))
            }
        }
    }

    /// The order in which `block` touches memory over the whole product on one thread,
    /// at the granularity of its cache blocks: per (nc, kc) block the B source and the
    /// packed B panel, then per mc block the A block, swept once per 16-column strip
    /// (`reread`), the B panel, and the C tile (read back after the first k block).
    /// The register-level re-reads inside a strip stay in L1 and are left out.
    static func accessSteps(m: Int, n: Int, k: Int, a: SGEMMRegionA, b: SGEMMRegionB, c: MemoryRegion, ldc: Int,
                            accumulate: Bool, into steps: inout [AccessStep]) {
        guard m > 0, n > 0, k > 0 else { return }
        let mPad = roundUp(m, mr), nPad = roundUp(n, nr)
        var packsA = true
        if case let .packed(aRegion) = a {
            packsA = false
            if b.needsPacking && usesStripOrder(m: m, k: k) {
                stripOrderSteps(m: m, n: n, k: k, a: aRegion, b: b, c: c, ldc: ldc, accumulate: accumulate, into: &steps)
                return
            }
        }
        let bBufferFloat = packsA ? min(mPad, mc + mr) * min(kc, k) : 0
        let scratch = MemoryRegion(space: .scratch, offset: 0, bytes: 0)
        let mcb = m <= mc + mr ? m : mc
        for jc in stride(from: 0, to: n, by: nc) {
            let ncb = min(nc, n - jc), ncPad = roundUp(ncb, nr)
            for pc in stride(from: 0, to: k, by: kc) {
                let kcb = min(kc, k - pc)
                let bBlock: MemoryRegion
                switch b {
                case let .packed(r):
                    bBlock = r.floats(pc * nPad + jc * kcb, kcb * ncPad)
                case let .strided(r, rs):
                    if ncb == n && rs == n {
                        steps.append(.read(r.floats(pc * rs, kcb * n)))
                    } else {
                        for p in pc..<pc + kcb { steps.append(.read(r.floats(p * rs + jc, ncb))) }
                    }
                    bBlock = scratch.floats(bBufferFloat, kcb * ncPad)
                    steps.append(.write(bBlock))
                case let .im2col(g, r):
                    // The input channels of this depth block, rows under these output columns.
                    let taps = g.kernelH * g.kernelW, plane = g.height * g.width
                    let ch0 = pc / taps, ch1 = (pc + kcb - 1) / taps
                    let oh0 = jc / g.outW, oh1 = (jc + ncb - 1) / g.outW
                    let ih0 = max(0, oh0 * g.strideH - g.padTop)
                    let ih1 = min(g.height - 1, oh1 * g.strideH - g.padTop + (g.kernelH - 1) * g.dilationH)
                    if ih0 == 0 && ih1 == g.height - 1 {
                        steps.append(.read(r.floats(ch0 * plane, (ch1 - ch0 + 1) * plane)))
                    } else if ih0 <= ih1 {
                        for ch in ch0...ch1 { steps.append(.read(r.floats(ch * plane + ih0 * g.width, (ih1 - ih0 + 1) * g.width))) }
                    }
                    bBlock = scratch.floats(bBufferFloat, kcb * ncPad)
                    steps.append(.write(bBlock))
                }
                let add = accumulate || pc > 0
                for ic in stride(from: 0, to: m, by: mcb) {
                    let mcc = min(mcb, m - ic)
                    let aBlock: MemoryRegion
                    switch a {
                    case let .packed(r):
                        aBlock = r.floats(pc * mPad + ic * kcb, roundUp(mcc, mr) * kcb)
                    case let .strided(r, rs):
                        for row in ic..<ic + mcc { steps.append(.read(r.floats(row * rs + pc, kcb))) }
                        aBlock = scratch.floats(0, roundUp(mcc, mr) * kcb)
                        steps.append(.write(aBlock))
                    }
                    let strips = (ncb + nr - 1) / nr
                    steps.append(.read(aBlock))
                    if strips > 1 { steps.append(.reread(aBlock, times: strips - 1, between: (nr * kcb + mcc * nr) * 4)) }
                    steps.append(.read(bBlock))
                    if ncb == ldc {
                        let tile = c.floats(ic * ldc, mcc * ldc)
                        if add { steps.append(.read(tile)) }
                        steps.append(.write(tile))
                    } else {
                        for row in ic..<ic + mcc {
                            let tile = c.floats(row * ldc + jc, ncb)
                            if add { steps.append(.read(tile)) }
                            steps.append(.write(tile))
                        }
                    }
                }
            }
        }
    }
}
