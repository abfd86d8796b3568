/// One problem in a device or profile file, located so a person can fix it:
/// `profiles/m7.yaml:12: unknown key 'memroy_cap' (did you mean 'memory_cap'?)`.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// Path of the file as it was given to the reader.
    public var file: String
    /// 1-based line of the offending key or value; nil when the file as a whole is wrong.
    public var line: Int?
    /// Dotted path of the key (`constraints.memory_cap`, `memory[2].size`); "" for the file.
    public var key: String
    public var message: String
    /// What to write instead, when there is a likely fix.
    public var suggestion: String?

    public init(file: String, line: Int?, key: String, message: String, suggestion: String? = nil) {
        self.file = file; self.line = line; self.key = key; self.message = message; self.suggestion = suggestion
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let hint = suggestion.map { " (\($0))" } ?? ""
        return "\(location): \(message)\(hint)"
    }
}

/// Everything wrong with one or more configuration files. The reader keeps going
/// after the first problem so one run of `picojoule profiles check` lists them all.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public init(issues: [ConfigIssue]) { self.issues = issues }
    public init(_ issue: ConfigIssue) { self.issues = [issue] }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Suggestions by edit distance, for misspelled keys and names.
public enum Spelling {
    /// Levenshtein distance between two strings (insertions, deletions, substitutions).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The closest candidate within a third of the word's length (at least 2 edits),
    /// so `memroy_cap` finds `memory_cap` but `foo` does not find `cores`.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let limit = max(2, word.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(word.lowercased(), candidate.lowercased())
            if d <= limit, d < (best?.1 ?? .max) { best = (candidate, d) }
        }
        return best?.0
    }

    /// "did you mean 'x'?" or nil.
    public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }
}
