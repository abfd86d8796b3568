/// A Conv with a fused MaxPool (`ConvKernel.pooled`): the row path computes each band's
/// conv rows straight into the band buffer; every other path (a sparse first conv) runs
/// the whole conv into scratch and the bands copy their rows from there, so the fusion
/// never changes what a model computes, only where the row path keeps its output.
extension ConvKernel {
    func runPooled(_ bands: ConvPoolBands, _ context: borrowing KernelContext, scratch: UnsafeMutablePointer<Float>) {
        let s = shape, pool = context.pool
        let y = context.output(0, as: Float.self)
        let tasks = max(1, min(slots, pool.threadCount)), rowTasks = min(tasks, bands.outH)
        let bandBase = scratch + convScratchBytes / 4
        let outImage = s.outChannels * bands.outPlane
        if let rowConv, let packedW {
            let x = context.input(0, as: Float.self)
            let bias: UnsafePointer<Float>? = hasBias ? context.input(2, as: Float.self) : nil
            let weights = packedW.pointer, relu = relu
            for n in 0..<s.batch {
                let xn = x + n * s.inChannels * s.inPlane
                let count = min(tasks, s.inChannels)
                pool.parallelFor(count) { t in
                    for c in s.inChannels * t / count..<s.inChannels * (t + 1) / count { rowConv.prepare(xn, channel: c, into: scratch) }
                }
                let yn = y + n * outImage
                pool.parallelFor(rowTasks) { t in
                    bands.run(rows: bands.outH * t / rowTasks..<bands.outH * (t + 1) / rowTasks, band: bandBase + t * bands.bandFloats,
                              y: yn) { rows, out in
                        rowConv.run(rows: rows, phased: UnsafePointer(scratch), weights: weights, bias: bias, relu: relu, into: out)
                    }
                }
            }
            return
        }
        let whole = bandBase + slots * bands.bandFloats
        runConv(context, y: whole, scratch: scratch)
        for n in 0..<s.batch {
            let convImage = UnsafePointer(whole + n * s.outChannels * s.outPlane), yn = y + n * outImage
            pool.parallelFor(rowTasks) { t in
                bands.run(rows: bands.outH * t / rowTasks..<bands.outH * (t + 1) / rowTasks, band: bandBase + t * bands.bandFloats,
                          y: yn) { rows, out in
                    for c in 0..<s.outChannels {
                        for oh in rows {
                            out.row(oh, channel: c).update(from: convImage + c * s.outPlane + oh * s.outW, count: s.outW)
                        }
                    }
                }
            }
        }
    }

    /// The cache model's loop order for the row path with a fused pool, per image: the
    /// phased input prepared, then per band the conv's rows (their phased input lines and
    /// all weights) into the band buffer, the pool's read of it and its pooled rows.
    func pooledAccessSteps(_ bands: ConvPoolBands, _ plan: RowConvPlan, x: MemoryRegion, weights: MemoryRegion,
                           y: MemoryRegion) -> [AccessStep] {
        let s = shape
        let phased = MemoryRegion(space: .scratch, offset: 0, bytes: plan.channels * plan.paddedH * plan.phases * plan.phaseWidth * 4)
        let band = MemoryRegion(space: .scratch, offset: convScratchBytes, bytes: bands.bandFloats * 4)
        let phasedRow = plan.rowStep * 4
        var steps: [AccessStep] = []
        for n in 0..<s.batch {
            steps.append(.read(x.floats(n * s.inChannels * s.inPlane, s.inChannels * s.inPlane)))
            steps.append(.write(phased))
            let yn = y.floats(n * s.outChannels * bands.outPlane, s.outChannels * bands.outPlane)
            bands.accessSteps(y: yn, band: band, into: &steps) { rows, steps in
                // Each conv row reads kernelH phased rows of every channel (the band of
                // the phased input from its first row's window to its last's).
                let channelBytes = plan.paddedH * plan.phases * plan.phaseWidth * 4
                let first = rows.lowerBound * phasedRow
                let end = min(channelBytes, (rows.upperBound - 1) * phasedRow + plan.kernelH * plan.phases * plan.phaseWidth * 4)
                steps.append(.read(weights))
                for c in 0..<plan.channels {
                    steps.append(.read(MemoryRegion(space: .scratch, offset: c * channelBytes + first, bytes: max(0, end - first))))
                }
            }
        }
        return steps
    }
}
