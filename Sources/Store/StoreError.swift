/// Why the store could not do what was asked.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable { case open(path: String, reason: String), notFound(String), corruptRow(String) }
    let kind: Kind

    static func open(_ path: String, _ reason: String) -> StoreError { StoreError(kind: .open(path: path, reason: reason)) }
    static func notFound(_ what: String) -> StoreError { StoreError(kind: .notFound(what)) }
    static func corruptRow(_ what: String) -> StoreError { StoreError(kind: .corruptRow(what)) }

    /// True when the thing asked for does not exist (an HTTP 404, not a 500).
    public var isNotFound: Bool { if case .notFound = kind { return true } else { return false } }

    public var description: String {
        switch kind {
        case .open(let path, let reason): "cannot open the database at \(path): \(reason); check the data directory's permissions and free space"
        case .notFound(let what): "\(what) does not exist"
        case .corruptRow(let what): "stored row is unreadable: \(what)"
        }
    }
}
