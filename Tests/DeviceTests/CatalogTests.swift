import Device
import Foundation
import Model
import Testing

/// The shipped devices/ and profiles/ load, cite a source for every number, and
/// are found by name.
@Suite struct CatalogTests {
    static let shippedDevices = ["cortex-m4f", "cortex-m7", "cortex-m55-ethos-u55", "esp32-s3", "raspberry-pi-4", "flagship-phone", "host"]
    static let shippedProfiles = ["mcu-m4", "mcu-m7", "mcu-m55-npu", "esp32-s3", "rpi4", "phone-big", "phone-little", "host"]

    @Test func shippedFilesLoad() throws {
        let catalog = try RepositoryData.catalog()
        #expect(Set(catalog.devices.keys) == Set(Self.shippedDevices))
        #expect(Set(catalog.profiles.keys) == Set(Self.shippedProfiles))
        for profile in catalog.profiles.values {
            #expect(catalog.devices[profile.device] != nil, "profile \(profile.name) names device \(profile.device)")
        }
    }

    @Test(arguments: shippedDevices.filter { $0 != "host" })
    func everyNumberHasASource(device name: String) throws {
        let spec = try RepositoryData.catalog().device(named: name)
        let expected = spec.clusters.count * 3 + spec.memoryLevels.count * 4
            + spec.memoryLevels.filter { $0.associativity != nil }.count + (spec.accelerator == nil ? 0 : 3) + 2
        #expect(spec.sources.count >= expected)
        #expect(spec.sources.values.allSatisfy { !$0.isEmpty })
        #expect(spec.sources["clusters[0].clock"] != nil)
        #expect(spec.staticPowerWatts > 0)
        #expect(!spec.energyPerMAC.isEmpty)
    }

    @Test func phoneHasBigAndLittleClustersOnLPDDR5() throws {
        let phone = try RepositoryData.catalog().device(named: "flagship-phone")
        #expect(phone.clusters.count == 3)
        #expect(phone.clusters.map(\.clockHz).max()! > phone.clusters.map(\.clockHz).min()!)
        #expect(phone.memoryLevels.contains { $0.kind == .dram && $0.sources(in: phone).contains("LPDDR5") })
    }

    @Test func npuDeviceIsIntegerOnlyOnTheAccelerator() throws {
        let catalog = try RepositoryData.catalog()
        let device = try catalog.device(named: "cortex-m55-ethos-u55")
        #expect(device.accelerator?.macsPerCycle[.int8] == 256)
        #expect(device.accelerator?.macsPerCycle[.float32] == nil)
        #expect(try catalog.profile(named: "mcu-m55-npu").constraints.integerOnly)
    }

    @Test func unknownNamesSuggestTheClosest() throws {
        let catalog = try RepositoryData.catalog()
        #expect(throws: CatalogError.self) { try catalog.profile(named: "mcu-m8") }
        do {
            _ = try catalog.profile(named: "mcu-m8")
        } catch {
            #expect(error.description.hasPrefix("unknown profile 'mcu-m8' (did you mean 'mcu-m"))
        }
        do {
            _ = try catalog.device(named: "raspberry-pi-5")
        } catch {
            #expect(error.description == "unknown device 'raspberry-pi-5' (did you mean 'raspberry-pi-4'?)")
        }
    }

    @Test func dataDirectoriesAreFoundThroughTheEnvironment() throws {
        let found = try DeviceCatalog.locateDataDirectories(environment: ["PICOJOULE_DATA": RepositoryData.root], executablePath: "/nonexistent/bin/x")
        #expect(found.devices == RepositoryData.root + "/devices")
        #expect(found.profiles == RepositoryData.root + "/profiles")
    }

    @Test func aProfileWhoseFileNameDiffersIsReported() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/profiles", withIntermediateDirectories: true)
        try "name: other\ndevice: host\nconstraints: {cores: 1}\n".write(toFile: directory.path + "/profiles/mine.yaml", atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) {
            try DeviceCatalog(devicesDirectory: RepositoryData.root + "/devices", profilesDirectory: directory.path + "/profiles")
        }
        #expect(error?.issues.first?.message.contains("differs from the file name") == true)
    }

    @Test func deviceNumbersWithoutSourceAreRefused() {
        let yaml = """
            name: x
            description: y
            clusters:
              - name: c
                cores: 1
                clock: {value: 1GHz, source: "s"}
                macs_per_cycle: {int8: {value: 2, source: "s"}}
            native_dtypes: {value: [int8, flaot32], source: "s"}
            memory: []
            energy_per_mac: {int8: {value: 0.2pJ, source: "s"}}
            static_power: {value: 1W, source: "s"}
            """
        let error = #expect(throws: ConfigError.self) { try DeviceSpec.parse(yaml: yaml, file: "devices/x.yaml") }
        let text = error?.description ?? ""
        #expect(text.contains("devices/x.yaml:5: clusters[0].cores: every number in a device file needs its source"))
        #expect(text.contains("devices/x.yaml:8: native_dtypes.value[1]: unknown dtype 'flaot32' (did you mean 'float32'?)"))
    }
}

extension MemoryLevel {
    /// Sources recorded for this level, joined, for checks on what they cite.
    func sources(in spec: DeviceSpec) -> String {
        spec.sources.filter { $0.key.hasPrefix("memory[") }.filter { key, _ in
            spec.memoryLevels.firstIndex(of: self).map { key.hasPrefix("memory[\($0)]") } ?? false
        }.values.joined(separator: " ")
    }
}
