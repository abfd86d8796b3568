import Foundation

/// Human-readable figures with SI prefixes (binary for bytes).
public enum Units {
    public static func format(_ value: Double, _ unit: String) -> String {
        guard value.isFinite else { return "\(value) \(unit)" }
        if unit == "B" { return bytes(value) }
        let magnitude = abs(value)
        let prefixes: [(Double, String)] = [(1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")]
        if magnitude == 0 { return "0 \(unit)" }
        for (scale, prefix) in prefixes where magnitude >= scale {
            return "\(sig(value / scale)) \(prefix)\(unit)"
        }
        return "\(sig(value / 1e-12)) p\(unit)"
    }

    public static func bytes(_ value: Double) -> String {
        let magnitude = abs(value)
        for (scale, name) in [(Double(1 << 30), "GiB"), (Double(1 << 20), "MiB"), (1024.0, "KiB")] where magnitude >= scale {
            return "\(sig(value / scale)) \(name)"
        }
        return "\(Int(value.rounded())) B"
    }

    /// Three significant digits.
    static func sig(_ v: Double) -> String {
        let a = abs(v)
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.2f", v)
    }
}

/// A plain-text table with aligned columns (numbers right-aligned).
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []
    public init(_ header: [String]) { self.header = header }
    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                let numeric = cell.first.map { $0.isNumber || $0 == "-" || $0 == "×" } ?? false
                return i == 0 || !numeric ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .init(charactersIn: " "))
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }
}
