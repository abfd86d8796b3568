/// A physical quantity written with its unit in a device or profile file
/// (`256KiB`, `5mJ`, `40ms`, `480MHz`, `2.44GB/s`, `50%`), parsed into SI base
/// units: bytes, joules, seconds, hertz, watts, bytes per second, or a fraction.
///
/// Binary prefixes (`KiB`, `MiB`) are powers of 1024 and decimal ones (`KB`, `MB`)
/// powers of 1000, as IEC 80000-13 defines them; datasheets that write "KB" for
/// 1024 bytes should be transcribed as `KiB`.
public struct Quantity: Sendable, Hashable {
    /// What a number measures; each kind accepts its own units.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case bytes, energy, time, frequency, power, bandwidth, fraction, count

        /// Units this kind accepts, with the factor to its base unit.
        public var units: [(symbol: String, factor: Double)] {
            switch self {
            case .bytes:
                [("B", 1), ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
                 ("KB", 1e3), ("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)]
            case .energy: [("pJ", 1e-12), ("nJ", 1e-9), ("uJ", 1e-6), ("µJ", 1e-6), ("mJ", 1e-3), ("J", 1)]
            case .time: [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1)]
            case .frequency: [("Hz", 1), ("kHz", 1e3), ("MHz", 1e6), ("GHz", 1e9)]
            case .power: [("uW", 1e-6), ("µW", 1e-6), ("mW", 1e-3), ("W", 1)]
            case .bandwidth: [("B/s", 1), ("KB/s", 1e3), ("kB/s", 1e3), ("MB/s", 1e6), ("GB/s", 1e9),
                              ("KiB/s", 1024), ("MiB/s", 1_048_576), ("GiB/s", 1_073_741_824)]
            case .fraction: [("%", 0.01)]
            case .count: []
            }
        }

        /// One example a person can copy into the file.
        public var example: String {
            switch self {
            case .bytes: "256KiB"
            case .energy: "5mJ"
            case .time: "40ms"
            case .frequency: "480MHz"
            case .power: "120mW"
            case .bandwidth: "2.4GB/s"
            case .fraction: "50%"
            case .count: "4"
            }
        }
    }

    /// The value in the kind's base unit (bytes, J, s, Hz, W, B/s, fraction of 1).
    public var value: Double
    public var kind: Kind

    public init(value: Double, kind: Kind) { self.value = value; self.kind = kind }

    /// Parses `text` as a quantity of `kind`. A bare number is accepted only for
    /// `.count` and `.fraction` (0.5 = 50 %); every other kind needs its unit so a
    /// file never leaves a reader guessing whether `512` meant bytes or KiB.
    public static func parse(_ text: String, as kind: Kind) throws(QuantityError) -> Quantity {
        let trimmed = text.trimmingWhitespace()
        let numberEnd = trimmed.firstIndex { !($0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E" || $0 == "_") }
            ?? trimmed.endIndex
        // "e" may start a unit only after the number; a leading "e" is not a number.
        let numberText = String(trimmed[..<numberEnd]).replacingUnderscores()
        let unitText = String(trimmed[numberEnd...]).trimmingWhitespace()
        guard !numberText.isEmpty, let number = Double(numberText), number.isFinite else {
            throw .notANumber(text, kind)
        }
        if unitText.isEmpty {
            guard kind == .count || kind == .fraction else { throw .missingUnit(text, kind) }
            return Quantity(value: number, kind: kind)
        }
        guard let unit = kind.units.first(where: { $0.symbol == unitText }) else {
            throw .unknownUnit(unitText, kind)
        }
        return Quantity(value: number * unit.factor, kind: kind)
    }
}

/// Why a quantity did not parse; the message names the accepted units.
public enum QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    case notANumber(String, Quantity.Kind)
    case missingUnit(String, Quantity.Kind)
    case unknownUnit(String, Quantity.Kind)

    public var description: String {
        switch self {
        case .notANumber(let text, let kind):
            "'\(text)' is not a \(kind.rawValue == "count" ? "number" : kind.rawValue) (write it like \(kind.example))"
        case .missingUnit(let text, let kind):
            "'\(text)' has no unit; write the \(kind.rawValue) with one of \(Self.symbols(kind)), e.g. \(kind.example)"
        case .unknownUnit(let unit, let kind):
            "unknown \(kind.rawValue) unit '\(unit)'; use one of \(Self.symbols(kind))"
        }
    }

    private static func symbols(_ kind: Quantity.Kind) -> String {
        kind.units.map(\.symbol).joined(separator: ", ")
    }
}

extension Quantity {
    /// Bytes as a person reads them: `512 KiB`, `1.9 MiB`, `97.7 MiB`, `300 B`.
    public static func formatBytes(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var index = 0
        while abs(value) >= 1024, index < units.count - 1 { value /= 1024; index += 1 }
        return "\(trimmedNumber(value)) \(units[index])"
    }

    /// A value in a base unit with the largest SI prefix that keeps it >= 1 (`5 mJ`, `40 ms`).
    public static func format(_ value: Double, _ kind: Kind) -> String {
        if kind == .bytes { return formatBytes(Int(value.rounded())) }
        if kind == .fraction { return "\(trimmedNumber(value * 100)) %" }
        if kind == .count { return trimmedNumber(value) }
        let decimal = kind.units.filter { !$0.symbol.contains("i") && !$0.symbol.contains("µ") && $0.symbol != "kB/s" }
        let pick = decimal.sorted { $0.factor > $1.factor }.first { abs(value) >= $0.factor } ?? decimal.min { $0.factor < $1.factor }!
        return "\(trimmedNumber(value / pick.factor)) \(pick.symbol)"
    }

    /// One decimal below 100, none above; no trailing ".0".
    static func trimmedNumber(_ value: Double) -> String {
        let rounded = abs(value) >= 100 ? value.rounded() : (value * 10).rounded() / 10
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }

    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
