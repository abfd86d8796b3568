import Model

/// The up-front check that a model's static memory plan fits a profile, so a
/// model that cannot run on the device is refused with the numbers before it
/// loads, rather than dying of an allocation failure halfway through.
public enum MemoryFit {
    /// Checks the plan against the caps. `ramBytes` is what the device must hold in
    /// RAM (arena + I/O + scratch, plus weights unless they stay in flash); `flashBytes`
    /// is the weights as stored. Where weights are not in flash they still occupy
    /// flash on an MCU (they are copied out of it at boot), so both caps apply.
    public static func check(ramBytes: Int, flashBytes: Int, constraints: Constraints, profileName: String) throws(MemoryFitError) {
        var shortfalls: [MemoryFitError.Shortfall] = []
        if let cap = constraints.memoryCapBytes, ramBytes > cap {
            shortfalls.append(.init(resource: "RAM", neededBytes: ramBytes, allowedBytes: cap))
        }
        if let cap = constraints.flashCapBytes, flashBytes > cap {
            shortfalls.append(.init(resource: "flash", neededBytes: flashBytes, allowedBytes: cap))
        }
        if !shortfalls.isEmpty { throw MemoryFitError(profile: profileName, shortfalls: shortfalls) }
    }

    /// The same check from the planner's figures: activations in the arena, graph
    /// I/O, kernel scratch, and the weights in RAM or in flash as the profile says.
    public static func check(arenaBytes: Int, ioBytes: Int, scratchBytes: Int, weightBytes: Int, modelWeightBytes: Int,
                             constraints: Constraints, profileName: String) throws(MemoryFitError) {
        let ram = arenaBytes + ioBytes + scratchBytes + (constraints.weightsInFlash ? 0 : weightBytes)
        try check(ramBytes: ram, flashBytes: modelWeightBytes, constraints: constraints, profileName: profileName)
    }
}

/// A model that does not fit a profile, with the numbers:
/// "needs 1.9 MiB of RAM, profile mcu-m7 allows 512 KiB".
public struct MemoryFitError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Shortfall: Sendable, Hashable {
        /// "RAM" or "flash".
        public var resource: String
        public var neededBytes: Int
        public var allowedBytes: Int
    }

    public var profile: String
    public var shortfalls: [Shortfall]

    public var description: String {
        let parts = shortfalls.map {
            "needs \(Quantity.formatBytes($0.neededBytes)) of \($0.resource), profile \(profile) allows \(Quantity.formatBytes($0.allowedBytes))"
        }
        return parts.joined(separator: "; ") + " — quantize the model, prune it, or choose a profile with more memory"
    }
}

/// The integer-only rule: after lowering, no node may compute in floating point.
/// Quantize and dequantize nodes at the graph's edges are allowed, since on the
/// device they run in the application that feeds the model.
public enum IntegerOnlyCheck {
    /// Throws, naming every node that computes in a float type.
    public static func check(_ graph: Graph, profileName: String) throws(IntegerOnlyError) {
        let graphOutputs = Set(graph.outputs.map(\.name))
        var offenders: [IntegerOnlyError.Offender] = []
        for node in graph.nodes {
            // Outputs show what a node computes in; the first input too (ArgMax over
            // floats returns int64). Other float inputs are quantization scales, which
            // QLinearConv and friends take as float constants but fold into integers.
            var values = node.outputs
            if node.opType != "QuantizeLinear", let data = node.inputs.first, !data.isEmpty { values.append(data) }
            let floats = values.compactMap { name in graph.valueTypes[name].flatMap { $0.dtype.isFloatingPoint ? (name, $0.dtype) : nil } }
            guard let first = floats.first else { continue }
            if node.opType == "DequantizeLinear", node.outputs.allSatisfy(graphOutputs.contains) { continue }
            offenders.append(.init(node: node.name.isEmpty ? "(unnamed)" : node.name, opType: node.opType, dtype: first.1))
        }
        if !offenders.isEmpty { throw IntegerOnlyError(profile: profileName, offenders: offenders) }
    }
}

/// A model with float arithmetic under an integer-only profile, naming the nodes.
public struct IntegerOnlyError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Offender: Sendable, Hashable {
        public var node: String
        public var opType: String
        public var dtype: DType
    }

    public var profile: String
    public var offenders: [Offender]

    public var description: String {
        let shown = offenders.prefix(5).map { "\($0.opType) '\($0.node)' (\($0.dtype.rawValue))" }.joined(separator: ", ")
        let more = offenders.count > 5 ? " and \(offenders.count - 5) more" : ""
        return "profile \(profile) is integer-only but \(offenders.count) node\(offenders.count == 1 ? "" : "s") compute in floating point: "
            + "\(shown)\(more) — quantize the model to int8 (e.g. onnxruntime.quantization.quantize_static)"
    }
}
