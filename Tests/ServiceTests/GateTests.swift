import Client
import Device
import Foundation
import Service
import ServiceAPI
import Store
import Testing

@Suite struct GateTests {
    func record(energy: Double, latency: Double, ram: Int, flash: Int, id: Int64 = 1) -> ResultRecord {
        ResultRecord(id: id, jobID: id, modelSHA256: "s", modelName: "m.onnx", profile: "p", device: "d", createdAt: Date(),
                     energyJoules: energy, energySource: "modeled", latencySeconds: latency, latencySource: "modeled",
                     peakRAMBytes: ram, flashBytes: flash, dataMovementBytes: 0, fileBytes: 0, resultJSON: "{}")
    }

    @Test func requestBudgetsOverrideTheProfilesFieldByField() {
        let r = record(energy: 2e-3, latency: 0.01, ram: 100, flash: 50)
        let report = GateEvaluator.evaluate(r, profileBudgets: Budgets(energyPerInferenceJoules: 1e-3, peakRAMBytes: 200),
                                            requestBudgets: Budgets(energyPerInferenceJoules: 3e-3), baseline: nil, tolerancePercent: nil)
        #expect(report.passed)
        #expect(report.checks.map(\.source) == ["request", "profile"])
    }

    @Test func aMissReportsFigureLimitAndMargin() throws {
        let report = GateEvaluator.evaluate(record(energy: 1.2e-3, latency: 0.01, ram: 100, flash: 50),
                                            profileBudgets: Budgets(energyPerInferenceJoules: 1e-3), requestBudgets: nil,
                                            baseline: nil, tolerancePercent: nil)
        #expect(!report.passed)
        let check = try #require(report.checks.first)
        #expect(abs(check.margin - -0.2e-3) < 1e-12)
        #expect(abs(check.marginPercent - -20) < 1e-9)
        #expect(GateText.failureLine(report, check).contains("exceeds budget 1.00 mJ"))
    }

    @Test func aRegressionBeyondTheToleranceFails() {
        let base = record(energy: 1e-3, latency: 0.01, ram: 100, flash: 50, id: 1)
        let within = GateEvaluator.evaluate(record(energy: 1.04e-3, latency: 0.01, ram: 100, flash: 50, id: 2),
                                            profileBudgets: nil, requestBudgets: nil, baseline: base, tolerancePercent: 5)
        let beyond = GateEvaluator.evaluate(record(energy: 1.06e-3, latency: 0.01, ram: 100, flash: 50, id: 2),
                                            profileBudgets: nil, requestBudgets: nil, baseline: base, tolerancePercent: 5)
        #expect(within.passed)
        #expect(!beyond.passed)
        #expect(beyond.checks.filter { !$0.passed }.map(\.metric) == ["energy"])
    }

    @Test func budgetsFileExpandsModelsTimesProfiles() throws {
        let file = try BudgetsFile.parse("""
            baseline: 5%
            gates:
              - models: [a.onnx, b.onnx]
                profiles: [mcu-m7, mcu-m4]
                budgets: {energy: 2 mJ, latency: 50 ms, peak_ram: 256 KiB}
            """, baseDirectory: "")
        #expect(file.entries.count == 4)
        #expect(file.baselineTolerancePercent == 5)
        #expect(file.entries[0].budgets.peakRAMBytes == 256 * 1024)
        #expect(abs((file.entries[0].budgets.energyPerInferenceJoules ?? 0) - 2e-3) < 1e-15)
        #expect(throws: ClientError.self) { try BudgetsFile.parse("gates: [{models: [a], profiles: [p], budgets: {watts: 1}}]", baseDirectory: "") }
    }

    @Test func quantitiesParseWithUnits() {
        #expect(abs((BudgetQuantity.parse("50 ms", as: .time) ?? 0) - 0.05) < 1e-15)
        #expect(BudgetQuantity.parse("1 MiB", as: .bytes) == 1_048_576)
        #expect(BudgetQuantity.parse("3 furlongs", as: .time) == nil)
    }

    @Test func junitHasOneTestcasePerCheckAndMarksFailures() {
        let report = GateEvaluator.evaluate(record(energy: 2e-3, latency: 0.2, ram: 100, flash: 50),
                                            profileBudgets: Budgets(energyPerInferenceJoules: 1e-3, latencySeconds: 0.5), requestBudgets: nil,
                                            baseline: nil, tolerancePercent: nil)
        let xml = JUnitReport.render(reports: [report], errors: [])
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == 2)
        #expect(xml.contains("failures=\"1\""))
    }
}
