/// A Conv with a fused GlobalAveragePool (`ConvKernel.averagedRun`): the direct path's
/// tiles sum each channel as they would store it, per thread, and the sums become the
/// averages once an image's tiles are done. Every other path runs the whole conv into
/// scratch and averages its planes, the work of the two nodes unfused. Either way the
/// fusion never changes what a model computes, only the order of the pool's adds.
extension ConvKernel {
    func runAveraged(_ run: AveragedRun, _ context: borrowing KernelContext, scratch: UnsafeMutablePointer<Float>) {
        let s = shape, pool = context.pool, plane = Float(s.outPlane)
        let y = context.output(0, as: Float.self)
        switch run {
        case let .sums(offset, stride):
            guard let direct, let packedW else { preconditionFailure("ConvKernel.prepare averages by sums on the direct path only") }
            let x = context.input(0, as: Float.self)
            let bias: UnsafePointer<Float>? = hasBias ? context.input(2, as: Float.self) : nil
            let tasks = max(1, min(slots, pool.threadCount)), tiles = direct.tiles, tileTasks = min(tasks, tiles)
            let sums = scratch + offset, weights = packedW.pointer, relu = relu
            for n in 0..<s.batch {
                let xn = x + n * s.inChannels * s.inPlane
                let padded = paddedInput(direct, xn, scratch: scratch, tasks: tasks, pool: pool)
                pool.parallelFor(tileTasks) { t in
                    let own = sums + t * stride
                    own.update(repeating: 0, count: s.outChannels)
                    direct.run(tiles: tiles * t / tileTasks..<tiles * (t + 1) / tileTasks, padded: padded, weights: weights,
                               bias: bias, residual: nil, relu: relu, y: own, sums: own)
                }
                let yn = y + n * s.outChannels
                for c in 0..<s.outChannels {
                    var total: Float = 0
                    for t in 0..<tileTasks { total += sums[t * stride + c] }
                    yn[c] = total / plane
                }
            }
        case let .whole(offset):
            let whole = scratch + offset
            runConv(context, y: whole, scratch: scratch)
            GlobalPoolKernel(isMax: false, planes: s.batch * s.outChannels, planeSize: s.outPlane, slots: slots)
                .run(x: whole, y: y, pool: pool)
        }
    }

    /// The cache model's loop order on the direct path with a fused GlobalAveragePool, per
    /// image: the direct tiles with each thread's sums in place of the output, then the
    /// sums read and the averages written.
    func averagedAccessSteps(_ direct: DirectConvPlan, offsetFloats: Int, x: MemoryRegion, weights: MemoryRegion,
                             y: MemoryRegion) -> [AccessStep] {
        let s = shape
        let sums = MemoryRegion(space: .scratch, offset: offsetFloats * 4, bytes: s.outChannels * 4)
        var steps: [AccessStep] = []
        for n in 0..<s.batch {
            direct.accessSteps(x: x.floats(n * s.inChannels * s.inPlane, s.inChannels * s.inPlane), weights: weights, y: sums, into: &steps)
            steps.append(.read(sums))
            steps.append(.write(y.floats(n * s.outChannels, s.outChannels)))
        }
        return steps
    }
}
