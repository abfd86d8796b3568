/// What the memory planner decided, in bytes. The device layer compares these with
/// a profile's caps before a job runs.
public struct MemoryPlanSummary: Sendable, Hashable, Codable {
    /// Size of the one activation arena (planned peak of intermediate tensors).
    public var arenaBytes: Int
    /// Lower bound: the largest total of tensors that are live at the same time.
    /// No planner can use less; `arenaBytes / lowerBoundBytes` is the planner's waste.
    public var lowerBoundBytes: Int
    /// Bytes of constant tensors as the runtime holds them (packed weights included).
    public var weightBytes: Int
    /// Bytes of the constant tensors as stored in the model file (what goes to flash).
    public var modelWeightBytes: Int
    /// Bytes of graph inputs and outputs (held outside the arena).
    public var ioBytes: Int
    /// Scratch buffers kernels asked for (im2col, packing), per thread, summed.
    public var scratchBytes: Int

    public init(arenaBytes: Int, lowerBoundBytes: Int, weightBytes: Int, modelWeightBytes: Int, ioBytes: Int, scratchBytes: Int) {
        self.arenaBytes = arenaBytes; self.lowerBoundBytes = lowerBoundBytes; self.weightBytes = weightBytes
        self.modelWeightBytes = modelWeightBytes; self.ioBytes = ioBytes; self.scratchBytes = scratchBytes
    }

    /// RAM a device needs to run the model when weights stay in flash.
    public var ramBytesWeightsInFlash: Int { arenaBytes + ioBytes + scratchBytes }
    /// RAM a device needs when weights are loaded into RAM too.
    public var ramBytesWeightsInRAM: Int { ramBytesWeightsInFlash + weightBytes }
}
