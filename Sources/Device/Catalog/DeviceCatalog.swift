import Foundation

/// Every device in `devices/` and every profile in `profiles/`, validated together:
/// each profile's device must exist, its name must match its file, its cores must
/// exist on the device. `host` is always present, detected from this machine.
public struct DeviceCatalog: Sendable {
    /// Devices by name, `host` included.
    public private(set) var devices: [String: DeviceSpec]
    /// Profiles by name.
    public private(set) var profiles: [String: DeviceProfile]
    public let devicesDirectory: String
    public let profilesDirectory: String

    /// Loads and checks every `*.yaml` in both directories; throws every problem found.
    public init(devicesDirectory: String, profilesDirectory: String) throws(ConfigError) {
        self.devicesDirectory = devicesDirectory
        self.profilesDirectory = profilesDirectory
        var issues: [ConfigIssue] = []
        var devices: [String: DeviceSpec] = ["host": HostDevice.detect()]
        for path in Self.yamlFiles(in: devicesDirectory, issues: &issues) {
            do {
                let spec = try DeviceSpec.load(file: path)
                if let issue = Self.nameMismatch(spec.name, path: path) { issues.append(issue); continue }
                devices[spec.name] = spec
            } catch { issues += error.issues }
        }
        self.devices = devices
        self.profiles = [:]
        for path in Self.yamlFiles(in: profilesDirectory, issues: &issues) {
            do {
                let file = try check(profileFile: path)
                if let issue = Self.nameMismatch(file.profile.name, path: path) { issues.append(issue); continue }
                profiles[file.profile.name] = file.profile
            } catch { issues += error.issues }
        }
        if !issues.isEmpty { throw ConfigError(issues: issues) }
    }

    /// The device called `name`, or an error naming the closest one.
    public func device(named name: String) throws(CatalogError) -> DeviceSpec {
        if let spec = devices[name] { return spec }
        throw .unknownDevice(name, suggestion: Spelling.closest(to: name, in: devices.keys), known: devices.keys.sorted())
    }

    /// The profile called `name`, or an error naming the closest one.
    public func profile(named name: String) throws(CatalogError) -> DeviceProfile {
        if let profile = profiles[name] { return profile }
        throw .unknownProfile(name, suggestion: Spelling.closest(to: name, in: profiles.keys), known: profiles.keys.sorted())
    }

    /// Validates a user's profile file against this catalog (`picojoule profiles check FILE`):
    /// the file's own checks, then that its device exists and has the cores it asks for.
    public func check(profileFile path: String) throws(ConfigError) -> ProfileFile {
        let file = try DeviceProfile.load(file: path)
        let profile = file.profile
        guard let device = devices[profile.device] else {
            throw ConfigError(ConfigIssue(file: path, line: file.deviceLine, key: "device",
                                          message: "unknown device '\(profile.device)'",
                                          suggestion: Spelling.didYouMean(profile.device, in: devices.keys)
                                              ?? "one of \(devices.keys.sorted().joined(separator: ", "))"))
        }
        let available = device.clusters.reduce(0) { $0 + $1.cores }
        if profile.device != "host", profile.constraints.cores > available {
            throw ConfigError(ConfigIssue(file: path, line: file.deviceLine, key: "constraints.cores",
                                          message: "asks for \(profile.constraints.cores) cores but \(device.name) has \(available)",
                                          suggestion: "use cores: \(available) or fewer"))
        }
        return file
    }

    /// A profile's file name is its name, so `--profile mcu-m7` finds `profiles/mcu-m7.yaml`.
    private static func nameMismatch(_ name: String, path: String) -> ConfigIssue? {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard name != stem else { return nil }
        return ConfigIssue(file: path, line: nil, key: "name", message: "name '\(name)' differs from the file name",
                           suggestion: "rename the file to \(name).yaml or set name: \(stem)")
    }

    private static func yamlFiles(in directory: String, issues: inout [ConfigIssue]) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            issues.append(ConfigIssue(file: directory, line: nil, key: "", message: "cannot list the directory",
                                      suggestion: "set PICOJOULE_DATA to the folder holding devices/ and profiles/"))
            return []
        }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(directory)/\($0)" }
    }
}

/// A name that is not in the catalog.
public enum CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownDevice(String, suggestion: String?, known: [String])
    case unknownProfile(String, suggestion: String?, known: [String])
    case dataNotFound(searched: [String])

    public var description: String {
        switch self {
        case .unknownDevice(let name, let suggestion, let known):
            "unknown device '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "; known devices: \(known.joined(separator: ", "))")
        case .unknownProfile(let name, let suggestion, let known):
            "unknown profile '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "; known profiles: \(known.joined(separator: ", "))")
        case .dataNotFound(let searched):
            "no devices/ and profiles/ folders found (looked in \(searched.joined(separator: ", "))); set PICOJOULE_DATA to the folder that holds them"
        }
    }
}

extension DeviceCatalog {
    /// Finds the data folders: `$PICOJOULE_DATA`, then next to or above the
    /// executable (a build folder inside the checkout, or `share/picojoule` of an
    /// install prefix), then the current directory and its parents.
    public static func locateDataDirectories(environment: [String: String] = ProcessInfo.processInfo.environment,
                                             executablePath: String = currentExecutable()) throws(CatalogError) -> (devices: String, profiles: String) {
        var candidates: [String] = []
        if let data = environment["PICOJOULE_DATA"], !data.isEmpty { candidates.append(data) }
        let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates += ancestors(of: executable).flatMap { [$0.path, $0.appendingPathComponent("share/picojoule").path] }
        candidates += ancestors(of: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).map(\.path)
        for base in candidates {
            let devices = base + "/devices", profiles = base + "/profiles"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: devices, isDirectory: &isDirectory), isDirectory.boolValue,
               FileManager.default.fileExists(atPath: profiles, isDirectory: &isDirectory), isDirectory.boolValue {
                return (devices, profiles)
            }
        }
        throw .dataNotFound(searched: Array(candidates.prefix(6)))
    }

    /// Loads the catalog from wherever `locateDataDirectories` finds it.
    public static func load() throws -> DeviceCatalog {
        let (devices, profiles) = try locateDataDirectories()
        return try DeviceCatalog(devicesDirectory: devices, profilesDirectory: profiles)
    }

    /// This process's binary: /proc/self/exe, since argv[0] may be a bare name found on PATH.
    public static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
    }

    private static func ancestors(of url: URL) -> [URL] {
        var result: [URL] = []
        var current = url.standardizedFileURL
        for _ in 0..<8 {
            result.append(current)
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { break }
            current = parent
        }
        return result
    }
}
