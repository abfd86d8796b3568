/// A Conv with a fused MaxPool (`ConvKernel.pooled`): the row path phases each band's
/// input rows and computes its conv rows straight into the band buffer. Every other path
/// (a sparse or narrow first conv) runs the whole conv into scratch and the MaxPool
/// kernel over it, the work of the two nodes unfused. Either way the fusion never changes
/// what a model computes.
extension ConvKernel {
    func runPooled(_ bands: ConvPoolBands, _ context: borrowing KernelContext, scratch: UnsafeMutablePointer<Float>) {
        let s = shape, pool = context.pool
        let y = context.output(0, as: Float.self)
        switch pooledRun {
        case .bands(let plan, let perThread)?:
            guard let packedW else { return }
            let x = context.input(0, as: Float.self)
            let bias: UnsafePointer<Float>? = hasBias ? context.input(2, as: Float.self) : nil
            let weights = packedW.pointer, relu = relu
            let rowTasks = min(max(1, min(slots, pool.threadCount)), bands.outH)
            for n in 0..<s.batch {
                let xn = x + n * s.inChannels * s.inPlane, yn = y + n * s.outChannels * bands.outPlane
                pool.parallelFor(rowTasks) { t in
                    let band = scratch + t * perThread, phased = band + bands.bandFloats
                    bands.run(rows: bands.outH * t / rowTasks..<bands.outH * (t + 1) / rowTasks, band: band, y: yn) { rows, out in
                        let inputRows = plan.inputRows(for: rows)
                        for c in 0..<plan.channels {
                            plan.prepare(xn, channel: c, rows: inputRows, into: phased + c * plan.channelFloats)
                        }
                        plan.run(rows: rows, phased: UnsafePointer(phased), weights: weights, bias: bias, relu: relu, into: out)
                    }
                }
            }
        case .whole(let maxPool, let offset)?:
            let whole = scratch + offset
            runConv(context, y: whole, scratch: scratch)
            maxPool.run(x: whole, y: y, scratch: whole + (s.batch * s.outChannels * s.outPlane + 15) / 16 * 16, pool: pool)
        case nil:
            preconditionFailure("ConvKernel.prepare sets how a fused pool runs")
        }
    }

    /// The cache model's loop order for the row path with a fused pool, per image and
    /// band (one thread's buffers): the input rows the band's conv rows read, copied into
    /// the phased band buffer; all weights and that buffer read for the conv rows, stored
    /// into the band buffer; the pool's read of it and its pooled rows.
    func pooledAccessSteps(_ bands: ConvPoolBands, _ plan: RowConvPlan, x: MemoryRegion, weights: MemoryRegion,
                           y: MemoryRegion) -> [AccessStep] {
        let s = shape
        let band = MemoryRegion(space: .scratch, offset: 0, bytes: bands.bandFloats * 4)
        let phased = MemoryRegion(space: .scratch, offset: bands.bandFloats * 4, bytes: plan.scratchFloats * 4)
        var steps: [AccessStep] = []
        for n in 0..<s.batch {
            let xn = x.floats(n * s.inChannels * s.inPlane, s.inChannels * s.inPlane)
            let yn = y.floats(n * s.outChannels * bands.outPlane, s.outChannels * bands.outPlane)
            bands.accessSteps(y: yn, band: band, into: &steps) { rows, steps in
                let padded = plan.inputRows(for: rows)
                let first = min(max(padded.lowerBound - s.padTop, 0), s.height), end = min(max(padded.upperBound - s.padTop, first), s.height)
                for c in 0..<s.inChannels where first < end {
                    steps.append(.read(xn.floats((c * s.height + first) * s.width, (end - first) * s.width)))
                }
                steps.append(.write(phased))
                steps.append(.read(weights))
                steps.append(.read(phased))
            }
        }
        return steps
    }
}
