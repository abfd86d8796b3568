/// The window attributes that decide whether a pass may fuse a pool or conv.
extension Node {
    /// Some axis has a dilation above 1.
    var dilates: Bool {
        if case .ints(let d)? = attributes["dilations"] { return d.contains { $0 != 1 } }
        return false
    }

    /// The padding is `pads` (or VALID), not computed from the input by SAME_UPPER or SAME_LOWER.
    var padsExplicitly: Bool {
        if case .string(let autoPad)? = attributes["auto_pad"] { return ["", "NOTSET", "VALID"].contains(autoPad) }
        return true
    }
}
