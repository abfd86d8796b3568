import Yams

/// Reads one YAML file through Yams' `Node` tree, which keeps each node's line
/// (`Node.Mark`), so every problem can be reported as `file:line: key: message`.
/// Problems are collected rather than thrown one at a time: a person fixing a
/// profile wants the whole list.
final class ConfigReader {
    let file: String
    private(set) var issues: [ConfigIssue] = []
    /// Dotted key path → source text, for device files where every number cites one.
    private(set) var sources: [String: String] = [:]

    init(file: String) { self.file = file }

    /// Parses `text`; a YAML syntax error becomes an issue with Yams' line.
    func root(of text: String) -> ConfigValue? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report(line: nil, key: "", "the file is empty")
                return nil
            }
            return ConfigValue(node: node, key: "", reader: self)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            // Yams refuses duplicates while parsing and marks the first occurrence.
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            report(line: context.mark.line, key: "", "key \(names) appears more than once in this mapping; keep one")
        } catch let error as YamlError {
            report(line: Self.line(of: error), key: "", "not valid YAML: \(Self.problem(of: error))")
        } catch {
            report(line: nil, key: "", "not valid YAML: \(error)")
        }
        return nil
    }

    func report(line: Int?, key: String, _ message: String, suggestion: String? = nil) {
        let prefix = key.isEmpty ? "" : "\(key): "
        issues.append(ConfigIssue(file: file, line: line, key: key, message: prefix + message, suggestion: suggestion))
    }

    /// Unknown keys read `unknown key 'x' (did you mean 'y'?)` without the path
    /// prefix, the form the issue tracker asked for; the path stays in `key`.
    func reportUnknownKey(_ name: String, path: String, line: Int?, suggestion: String?) {
        issues.append(ConfigIssue(file: file, line: line, key: path, message: "unknown key '\(name)'", suggestion: suggestion))
    }

    func recordSource(_ source: String, for key: String) { sources[key] = source }

    /// Throws everything collected so far, if anything.
    func finish() throws(ConfigError) {
        if !issues.isEmpty { throw ConfigError(issues: issues.sorted { ($0.line ?? 0) < ($1.line ?? 0) }) }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }
}

/// One node of the file with its dotted key path, for typed access that reports
/// a located issue (and returns nil) when the value has the wrong shape.
struct ConfigValue {
    let node: Node
    let key: String
    let reader: ConfigReader

    var line: Int? { node.mark?.line }

    func report(_ message: String, suggestion: String? = nil) {
        reader.report(line: line, key: key, message, suggestion: suggestion)
    }

    /// The node as a mapping with a fixed set of keys: unknown keys are reported
    /// with the closest known key, duplicates and missing required keys too.
    func mapping(required: [String] = [], optional: [String] = []) -> ConfigMapping? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping with keys \(required + optional)")
            return nil
        }
        let known = required + optional
        var entries: [String: ConfigValue] = [:]
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.scalar?.string else {
                reader.report(line: keyNode.mark?.line, key: key, "keys must be plain words")
                continue
            }
            let path = key.isEmpty ? name : "\(key).\(name)"
            if !known.isEmpty, !known.contains(name) {
                reader.reportUnknownKey(name, path: path, line: keyNode.mark?.line,
                                        suggestion: Spelling.didYouMean(name, in: known))
                continue
            }
            entries[name] = ConfigValue(node: valueNode, key: path, reader: reader)
        }
        for name in required where entries[name] == nil {
            report("missing required key '\(name)'")
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// The node as a list.
    func sequence() -> [ConfigValue]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list (`- item` lines or `[a, b]`)")
            return nil
        }
        return sequence.enumerated().map { ConfigValue(node: $1, key: "\(key)[\($0)]", reader: reader) }
    }

    func string() -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            report("expected text")
            return nil
        }
        return scalar.string
    }

    func bool() -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report("expected true or false, found '\(node.scalar?.string ?? "a \(shape)")'")
            return nil
        }
    }

    /// An integer in `range`; the message says what range and why it matters.
    func int(in range: ClosedRange<Int>, what: String = "value") -> Int? {
        guard let text = node.scalar?.string, let value = Int(text.replacingUnderscores()) else {
            report("expected a whole number, found '\(node.scalar?.string ?? "a \(shape)")'")
            return nil
        }
        guard range.contains(value) else {
            let upper = range.upperBound == .max ? "" : " and at most \(range.upperBound)"
            report("\(what) must be at least \(range.lowerBound)\(upper), found \(value)")
            return nil
        }
        return value
    }

    /// A quantity with a unit (`256KiB`); must be positive unless `allowZero`.
    func quantity(_ kind: Quantity.Kind, allowZero: Bool = false) -> Double? {
        guard let text = node.scalar?.string else {
            report("expected a \(kind.rawValue) like \(kind.example), found a \(shape)")
            return nil
        }
        do {
            let value = try Quantity.parse(text, as: kind).value
            if value < 0 || (value == 0 && !allowZero) {
                report("must be greater than zero, found '\(text)'")
                return nil
            }
            return value
        } catch {
            report(error.description)
            return nil
        }
    }

    /// A list of words (`[cycles, instructions]`).
    func strings() -> [String]? {
        guard let items = sequence() else { return nil }
        let values = items.compactMap { $0.string() }
        return values.count == items.count ? values : nil
    }

    private var shape: String {
        switch node {
        case .mapping: "mapping"
        case .sequence: "list"
        case .scalar: "value"
        case .alias: "alias"
        }
    }
}

/// The checked keys of one mapping.
struct ConfigMapping {
    let owner: ConfigValue
    let entries: [String: ConfigValue]
    subscript(_ name: String) -> ConfigValue? { entries[name] }
}
