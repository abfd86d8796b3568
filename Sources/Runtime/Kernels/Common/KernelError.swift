import Model

/// Why a node cannot be prepared or run. Messages name the node and say what to do.
public enum KernelError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedOperator(node: String, opType: String, domain: String, dtype: DType?)
    case missingInput(node: String, opType: String, index: Int)
    case invalidAttribute(node: String, opType: String, attribute: String, reason: String)
    case shapeMismatch(node: String, opType: String, reason: String)
    case unsupportedDType(node: String, opType: String, dtype: DType)
    /// Integer-only mode: the node would compute in float.
    case floatInIntegerOnlyMode(node: String, opType: String, reason: String, hint: String)

    public var description: String {
        switch self {
        case let .unsupportedOperator(node, op, domain, dtype):
            let d = domain.isEmpty ? "" : "\(domain)."
            return "node '\(node)': operator \(d)\(op)\(dtype.map { " for \($0)" } ?? "") is not supported by Picojoule"
        case let .missingInput(node, op, index):
            return "node '\(node)' (\(op)): required input \(index) is missing"
        case let .invalidAttribute(node, op, attribute, reason):
            return "node '\(node)' (\(op)): attribute '\(attribute)' \(reason)"
        case let .shapeMismatch(node, op, reason):
            return "node '\(node)' (\(op)): \(reason)"
        case let .unsupportedDType(node, op, dtype):
            return "node '\(node)' (\(op)): element type \(dtype) is not supported for this operator"
        case let .floatInIntegerOnlyMode(node, op, reason, hint):
            return "node '\(node)' (\(op)) computes in float: \(reason). Hint: \(hint)"
        }
    }
}
