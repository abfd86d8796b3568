import ArgumentParser
import Client
import Device
import Foundation

/// `picojoule gate`: fail a deployment that breaks its budgets.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Check models against energy, latency and memory budgets (for CI).",
        discussion: """
        Budgets come from each profile, from flags (which override the profile's), or from a budgets file
        (--budgets FILE: models × profiles × budgets). A pair without a stored result is profiled first.
        Exit status: 0 every check holds, 1 a check failed, 2 bad input, 3 a job failed, 4 no daemon.
        """)

    @Argument(help: "Model files, upload names or sha256 (with --profile; not needed with --budgets).") var models: [String] = []
    @Option(name: .customLong("profile"), help: "Profile name (repeatable).") var profiles: [String] = []
    @Option(name: .customLong("budgets"), help: "A budgets file (YAML) in your repository.") var budgetsFile: String?
    @Option(help: "Energy budget per inference, e.g. '2 mJ'.") var energy: String?
    @Option(help: "Latency budget, e.g. '50 ms'.") var latency: String?
    @Option(name: .customLong("peak-ram"), help: "Peak RAM budget, e.g. '256 KiB'.") var peakRAM: String?
    @Option(help: "Flash budget, e.g. '1 MiB'.") var flash: String?
    @Option(help: "Fail when a figure is more than PERCENT worse than the stored baseline.") var baseline: Double?
    @Flag(name: .customLong("no-profile-budgets"), help: "Ignore the profiles' own budgets.") var ignoreProfileBudgets = false
    @Flag(name: .customLong("no-run"), help: "Do not profile pairs that have no result; report them as errors.") var noRun = false
    @Option(name: .customLong("junit"), help: "Write a JUnit XML report to FILE.") var junit: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        var passed = true
        try await withClientErrors {
            let entries = try entriesToCheck()
            let client = try await options.connect()
            var reports: [GateReport] = [], errors: [(name: String, message: String)] = []
            var hashes: [String: String] = [:]
            for entry in entries {
                let label = "\((entry.model as NSString).lastPathComponent) on \(entry.profile)"
                do {
                    if hashes[entry.model] == nil {
                        hashes[entry.model] = FileManager.default.fileExists(atPath: entry.model)
                            ? try await client.upload(file: entry.model).sha256 : entry.model
                    }
                    let model = hashes[entry.model]!
                    var latest = try await client.results(model: model, profile: entry.profile, limit: 1).first
                    if latest == nil && !noRun {
                        let job = try await client.submit(JobRequest(model: model, profile: entry.profile))
                        let final = try await JobFollower(client: client, showProgress: !options.json && isatty(2) == 1).wait(for: job.id, label: label)
                        guard final.state == .succeeded, let id = final.resultID else {
                            throw ClientError.input("job \(final.id) \(final.state.rawValue): \(final.error ?? "")")
                        }
                        latest = try await client.resultSummary(id)
                    }
                    guard let result = latest else { throw ClientError.input("no stored result; run picojoule profile first") }
                    reports.append(try await client.gate(GateRequest(result: result.id, budgets: entry.budgets.isEmpty ? nil : entry.budgets,
                                                                     ignoreProfileBudgets: ignoreProfileBudgets,
                                                                     baselineTolerancePercent: baseline ?? fileTolerance)))
                } catch let error as ClientError {
                    if case .noDaemon = error { throw error }
                    errors.append((label, error.description))
                }
            }
            passed = errors.isEmpty && reports.allSatisfy(\.passed)
            if let junit {
                try JUnitReport.render(reports: reports, errors: errors).write(toFile: junit, atomically: true, encoding: .utf8)
            }
            if options.json {
                struct Output: Encodable { var passed: Bool; var reports: [GateReport]; var errors: [[String: String]] }
                try printAPIJSON(Output(passed: passed, reports: reports, errors: errors.map { ["name": $0.name, "message": $0.message] }))
            } else {
                printText(reports, errors)
            }
            if !errors.isEmpty { throw ExitCode(ExitStatus.jobFailed.rawValue) }
        }
        if !passed { throw ExitCode(ExitStatus.gateFailed.rawValue) }
    }

    private var fileTolerance: Double? { budgetsFile.flatMap { try? BudgetsFile.load($0).baselineTolerancePercent } }

    private func entriesToCheck() throws -> [BudgetsFile.Entry] {
        var flags = Budgets()
        func parse(_ text: String?, _ kind: BudgetQuantity.Kind, _ name: String) throws -> Double? {
            guard let text else { return nil }
            guard let v = BudgetQuantity.parse(text, as: kind) else { throw ClientError.input("--\(name): cannot read '\(text)'") }
            return v
        }
        flags.energyPerInferenceJoules = try parse(energy, .energy, "energy")
        flags.latencySeconds = try parse(latency, .time, "latency")
        flags.peakRAMBytes = try parse(peakRAM, .bytes, "peak-ram").map { Int($0) }
        flags.flashBytes = try parse(flash, .bytes, "flash").map { Int($0) }
        var entries: [BudgetsFile.Entry] = []
        if let budgetsFile {
            entries = try BudgetsFile.load(budgetsFile).entries
        }
        for model in models { for profile in profiles { entries.append(.init(model: model, profile: profile, budgets: Budgets())) } }
        guard !entries.isEmpty else { throw ClientError.input("nothing to check: give MODEL... --profile NAME, or --budgets FILE") }
        // Flags override the file's and the profile's budgets, field by field.
        return entries.map { entry in
            var e = entry
            if let v = flags.energyPerInferenceJoules { e.budgets.energyPerInferenceJoules = v }
            if let v = flags.latencySeconds { e.budgets.latencySeconds = v }
            if let v = flags.peakRAMBytes { e.budgets.peakRAMBytes = v }
            if let v = flags.flashBytes { e.budgets.flashBytes = v }
            return e
        }
    }

    private func printText(_ reports: [GateReport], _ errors: [(name: String, message: String)]) {
        for report in reports {
            let failed = report.checks.filter { !$0.passed }
            print("\(failed.isEmpty ? "PASS" : "FAIL")  \(report.modelName) on \(report.profile) (result \(report.resultID), \(report.checks.count) checks)")
            for check in failed { print("      \(GateText.failureLine(report, check))") }
            for note in report.notes { print("      note: \(note)") }
        }
        for error in errors { print("ERROR \(error.name): \(error.message)") }
        let failures = reports.filter { !$0.passed }.count
        print("\(reports.count - failures) passed, \(failures) failed, \(errors.count) errors")
    }
}
