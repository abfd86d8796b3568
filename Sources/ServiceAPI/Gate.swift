import Device

/// `POST /v1/gate`: check a stored result against budgets. Give `result`, or
/// `model` + `profile` (their newest result is used).
public struct GateRequest: Codable, Sendable, Hashable {
    public var result: Int64?
    public var model: String?
    public var profile: String?
    /// Budgets on top of (and overriding) the profile's own.
    public var budgets: Budgets?
    /// Ignore the profile's budgets and use only `budgets`.
    public var ignoreProfileBudgets: Bool?
    /// Fail when a figure is worse than the stored baseline by more than this many percent.
    public var baselineTolerancePercent: Double?
    public init(result: Int64? = nil, model: String? = nil, profile: String? = nil, budgets: Budgets? = nil,
                ignoreProfileBudgets: Bool? = nil, baselineTolerancePercent: Double? = nil) {
        self.result = result; self.model = model; self.profile = profile; self.budgets = budgets
        self.ignoreProfileBudgets = ignoreProfileBudgets; self.baselineTolerancePercent = baselineTolerancePercent
    }
}

/// One budget (or baseline) check.
public struct GateCheck: Codable, Sendable, Hashable {
    /// `energy`, `latency`, `peak_ram`, `flash`.
    public var metric: String
    /// `budget` or `baseline`.
    public var kind: String
    /// Where the limit came from: `profile`, `request`, or `baseline result N`.
    public var source: String
    public var unit: String
    public var figure: Double
    /// The limit the figure must not exceed.
    public var limit: Double
    /// limit − figure: negative when it fails.
    public var margin: Double
    /// margin / limit × 100.
    public var marginPercent: Double
    public var passed: Bool
    public init(metric: String, kind: String, source: String, unit: String, figure: Double, limit: Double) {
        self.metric = metric; self.kind = kind; self.source = source; self.unit = unit; self.figure = figure
        self.limit = limit; margin = limit - figure
        marginPercent = limit != 0 ? (limit - figure) / limit * 100 : (figure <= limit ? 0 : -.infinity)
        passed = figure <= limit
    }
}

/// `POST /v1/gate` answer.
public struct GateReport: Codable, Sendable, Hashable {
    public var passed: Bool
    public var resultID: Int64
    public var model: String
    public var modelName: String
    public var profile: String
    public var checks: [GateCheck]
    /// Why a requested check could not run (no baseline stored...). Not a failure.
    public var notes: [String]
    public init(resultID: Int64, model: String, modelName: String, profile: String, checks: [GateCheck], notes: [String]) {
        self.resultID = resultID; self.model = model; self.modelName = modelName; self.profile = profile
        self.checks = checks; self.notes = notes; passed = checks.allSatisfy(\.passed)
    }
}

/// `POST /v1/results/{id}/baseline` answer.
public struct BaselineMark: Codable, Sendable, Hashable {
    public var model: String
    public var profile: String
    public var resultID: Int64
    public init(model: String, profile: String, resultID: Int64) { self.model = model; self.profile = profile; self.resultID = resultID }
}
