import Device

/// One unit of work for a worker: a model file, a profile (resolved, with its
/// device), and how to run it. Sent to the worker process as JSON over a pipe.
public struct JobSpec: Sendable, Hashable, Codable {
    /// Path of the model file the worker opens (in the daemon's content store, or the
    /// user's own file for `--local`).
    public var modelPath: String
    public var profile: DeviceProfile
    public var device: DeviceSpec
    /// Overrides of the profile's runs / warm-up.
    public var runs: Int
    public var warmup: Int
    /// Extra events on top of the profile's.
    public var extraCounters: [String]
    /// Also run under cachegrind with the device's cache geometry.
    public var simulate: Bool
    /// Values for symbolic input dimensions (`batch=1`).
    public var symbolicDimensions: [String: Int]
    /// Seed for the generated input data.
    public var inputSeed: UInt64

    public init(modelPath: String, profile: DeviceProfile, device: DeviceSpec, runs: Int? = nil, warmup: Int? = nil,
                extraCounters: [String] = [], simulate: Bool? = nil, symbolicDimensions: [String: Int] = [:], inputSeed: UInt64 = 42) {
        self.modelPath = modelPath; self.profile = profile; self.device = device
        self.runs = runs ?? profile.runs; self.warmup = warmup ?? profile.warmup
        self.extraCounters = extraCounters; self.simulate = simulate ?? profile.simulate
        self.symbolicDimensions = symbolicDimensions; self.inputSeed = inputSeed
    }
}
