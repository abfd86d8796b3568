import Client
import Foundation
import Testing

/// Ratios in `picojoule compare` are to the first model given, on the same profile.
@Suite struct CompareTableTests {
    func summary(_ energy: Double) -> ResultSummary {
        ResultSummary(id: 1, jobID: 1, model: "m", modelName: "m", profile: "p", device: "d", createdAt: Date(timeIntervalSince1970: 0),
                      energyJoules: energy, energySource: "modeled", latencySeconds: 0.01, latencySource: "modeled",
                      peakRAMBytes: 1024, flashBytes: 1024, dataMovementBytes: 1024, fileBytes: 1024, isBaseline: false)
    }

    @Test func ratiosAreToTheFirstModelAndAbsentWhereItHasNoResult() {
        let text = CompareTable.render([
            .init(model: "fp32", profile: "mcu", result: nil),
            .init(model: "fp32", profile: "phone", result: summary(2e-3)),
            .init(model: "int8", profile: "mcu", result: summary(1e-3)),
            .init(model: "int8", profile: "phone", result: summary(1e-3)),
        ])
        let lines = text.split(separator: "\n").map(String.init)
        let int8mcu = lines.first { $0.hasPrefix("int8") && $0.contains("mcu") } ?? ""
        let int8phone = lines.first { $0.hasPrefix("int8") && $0.contains("phone") } ?? ""
        #expect(!int8mcu.contains("×"), "no ratio to a model without a result: \(int8mcu)")
        #expect(int8phone.contains("(0.50×)"), "energy ratio to fp32 on the phone: \(int8phone)")
    }
}
