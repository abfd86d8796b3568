import Foundation

/// Parses "2 mJ", "50 ms", "256 KiB", "1.5e-3" into SI base units (J, s, bytes), for
/// budgets written by people in flags and budgets files.
public enum BudgetQuantity {
    public enum Kind: Sendable { case energy, time, bytes }

    /// The value in base units, or nil when the text is not a quantity of `kind`.
    public static func parse(_ text: String, as kind: Kind) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let split = trimmed.firstIndex { !("0123456789.eE+-".contains($0)) } ?? trimmed.endIndex
        // "1e" followed by a unit letter would be misread; numbers here never end in e.
        guard let number = Double(trimmed[..<split]) else { return nil }
        let unit = trimmed[split...].trimmingCharacters(in: .whitespaces)
        guard let factor = factor(unit, kind) else { return nil }
        return number * factor
    }

    static func factor(_ unit: String, _ kind: Kind) -> Double? {
        if unit.isEmpty { return 1 }
        switch kind {
        case .energy:
            return ["J": 1, "mJ": 1e-3, "uJ": 1e-6, "µJ": 1e-6, "nJ": 1e-9, "pJ": 1e-12][unit]
        case .time:
            return ["s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9][unit]
        case .bytes:
            return ["B": 1, "KB": 1e3, "kB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1024, "MiB": 1_048_576, "GiB": 1_073_741_824][unit]
        }
    }
}
