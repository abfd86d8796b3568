import Device
import Foundation
import Testing

/// Malformed and misspelled profiles give errors with file, line, key and a fix.
@Suite struct ProfileValidationTests {
    static let valid = """
        name: mcu-m7
        description: test
        device: cortex-m7
        constraints:
          memory_cap: 512KiB
          flash_cap: 2MiB
          weights_in_flash: true
          cores: 1
          cpu_share: 25%
        runs: 5
        budgets:
          energy_per_inference: 5mJ
          latency: 40ms
        """

    @Test func readsAValidProfile() throws {
        let profile = try DeviceProfile.parse(yaml: Self.valid, file: "profiles/mcu-m7.yaml").profile
        #expect(profile.constraints.memoryCapBytes == 512 * 1024)
        #expect(profile.constraints.flashCapBytes == 2 << 20)
        #expect(profile.constraints.weightsInFlash)
        #expect(profile.constraints.cpuShare == 0.25)
        #expect(profile.runs == 5)
        #expect(profile.budgets.energyPerInferenceJoules == 0.005)
        #expect(profile.budgets.latencySeconds == 0.04)
    }

    @Test func misspelledKeyNamesLineAndSuggestion() {
        let yaml = Self.valid.replacingOccurrences(of: "memory_cap:", with: "memroy_cap:")
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "profiles/m7.yaml") }
        #expect(error?.issues.first?.description == "profiles/m7.yaml:5: unknown key 'memroy_cap' (did you mean 'memory_cap'?)")
        #expect(error?.issues.first?.key == "constraints.memroy_cap")
    }

    @Test func badUnitNamesTheKeyAndTheUnits() {
        let yaml = Self.valid.replacingOccurrences(of: "latency: 40ms", with: "latency: 40KiB")
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("p.yaml:13: budgets.latency: unknown time unit 'KiB'"))
        #expect(text.contains("ms"))
    }

    @Test func numberWithoutUnitIsRefused() {
        let yaml = Self.valid.replacingOccurrences(of: "memory_cap: 512KiB", with: "memory_cap: 512")
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error?.description.contains("p.yaml:5: constraints.memory_cap: '512' has no unit") == true)
    }

    @Test func negativeCoresAreRefused() {
        let yaml = Self.valid.replacingOccurrences(of: "cores: 1", with: "cores: -2")
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error?.description == "p.yaml:8: constraints.cores: cores must be at least 1 and at most 4096, found -2")
    }

    @Test func shareAboveAFullCoreIsRefused() {
        let yaml = Self.valid.replacingOccurrences(of: "cpu_share: 25%", with: "cpu_share: 150%")
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error?.issues.first?.line == 9)
        #expect(error?.issues.first?.suggestion != nil)
    }

    @Test func everyProblemIsListedNotOnlyTheFirst() {
        let yaml = Self.valid.replacingOccurrences(of: "cores: 1", with: "cores: many").replacingOccurrences(of: "runs: 5", with: "rnus: 5")
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error?.issues.count == 2)
        #expect(error?.issues.map(\.line) == [8, 10])
    }

    @Test func missingRequiredKey() {
        let yaml = "name: x\nconstraints: {cores: 1}\n"
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error?.description == "p.yaml:1: missing required key 'device'")
    }

    @Test func duplicateKeyIsNamed() {
        let yaml = "name: x\ndevice: host\nname: y\nconstraints: {cores: 1}\n"
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error?.description == "p.yaml:1: key 'name' appears more than once in this mapping; keep one")
    }

    @Test func yamlSyntaxErrorHasALine() {
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: "name: x\ndevice: [a, b\n", file: "p.yaml") }
        #expect(error?.issues.first?.line != nil)
        #expect(error?.description.contains("not valid YAML") == true)
    }

    @Test func weightsInFlashNeedAFlashSize() {
        let yaml = Self.valid.replacingOccurrences(of: "  flash_cap: 2MiB\n", with: "")
        let error = #expect(throws: ConfigError.self) { try DeviceProfile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error?.issues.first?.suggestion?.contains("flash_cap") == true)
    }

    @Test func unknownDeviceIsNamedWithTheClosestOne() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/mine.yaml"
        try Self.valid.replacingOccurrences(of: "device: cortex-m7", with: "device: cortex-m8")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let catalog = try RepositoryData.catalog()
        let error = #expect(throws: ConfigError.self) { try catalog.check(profileFile: file) }
        #expect(error?.description == "\(file):3: unknown device 'cortex-m8' (did you mean 'cortex-m7'?)")
    }
}

/// A directory removed when the value is released.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "picojoule-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The repository's own devices/ and profiles/, found from this source file.
enum RepositoryData {
    static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static func catalog() throws -> DeviceCatalog {
        try DeviceCatalog(devicesDirectory: root + "/devices", profilesDirectory: root + "/profiles")
    }
}
