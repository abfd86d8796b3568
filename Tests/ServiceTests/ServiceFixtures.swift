import Device
import Foundation
import Profiling
import Service

/// Results made with the synthetic executor's formulas.
enum ServiceFixtures {
    struct Missing: Error {}

    static func result(sha: String, fileBytes: Int = 4000, profile: String = "demo-mcu") throws -> ProfileResult {
        let catalog = SyntheticJobExecutor.demoCatalog
        guard let p = catalog.profileList.first(where: { $0.name == profile }),
              let d = catalog.deviceList.first(where: { $0.name == p.device }) else { throw Missing() }
        var result = SyntheticJobExecutor.result(fileBytes: fileBytes, spec: JobSpec(modelPath: "/nonexistent", profile: p, device: d))
        result.model.sha256 = sha
        return result
    }
}
