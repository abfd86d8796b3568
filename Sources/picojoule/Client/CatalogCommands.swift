import ArgumentParser
import Client
import Device
import Foundation
import Measure

/// `picojoule devices`: the device catalog (the daemon's, else the local one).
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List the devices Picojoule models.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let devices = try await catalogFromDaemonOrLocal(options, daemon: { try await $0.devices() },
                                                             local: { $0.devices.values.sorted { $0.name < $1.name } })
            if options.json { try printAPIJSON(devices); return }
            var table = TextTable(["name", "cores", "clock", "memory levels", "description"])
            for d in devices {
                table.add([d.name, String(d.clusters.reduce(0) { $0 + $1.cores }),
                           d.clusters.map { Units.format($0.clockHz, "Hz") }.joined(separator: "/"),
                           d.memoryLevels.map { "\($0.name) \(Units.bytes(Double($0.sizeBytes)))" }.joined(separator: ", "), d.description])
            }
            print(table.render())
        }
    }
}

/// `picojoule profiles`: deployment targets and their budgets; `profiles check FILE`.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles", abstract: "List the profiles jobs can run under, or check a profile file.",
        subcommands: [ListProfilesCommand.self, CheckProfileCommand.self], defaultSubcommand: ListProfilesCommand.self)
}

/// `picojoule profiles [list]`.
struct ListProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the profiles jobs can run under.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let profiles = try await catalogFromDaemonOrLocal(options, daemon: { try await $0.profiles() },
                                                              local: { $0.profiles.values.sorted { $0.name < $1.name } })
            if options.json { try printAPIJSON(profiles); return }
            var table = TextTable(["name", "device", "cores", "RAM cap", "int only", "budgets"])
            for p in profiles {
                let b = p.budgets
                let budgets = [b.energyPerInferenceJoules.map { "energy \(Units.format($0, "J"))" },
                               b.latencySeconds.map { "latency \(Units.format($0, "s"))" },
                               b.peakRAMBytes.map { "RAM \(Units.bytes(Double($0)))" },
                               b.flashBytes.map { "flash \(Units.bytes(Double($0)))" }].compactMap { $0 }
                table.add([p.name, p.device, String(p.constraints.cores), p.constraints.memoryCapBytes.map { Units.bytes(Double($0)) } ?? "—",
                           p.constraints.integerOnly ? "yes" : "no", budgets.isEmpty ? "—" : budgets.joined(separator: ", ")])
            }
            print(table.render())
        }
    }
}

/// `picojoule profiles check FILE`: validates a user's profile against the catalog.
struct CheckProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate a profile file: keys, units, ranges, and that its device exists.",
        discussion: "Exit status: 0 valid, 2 invalid (every problem printed as FILE:LINE: message).")
    @Argument(help: "Profile YAML file.") var file: String

    func run() throws {
        do {
            let checked = try DeviceCatalog.load().check(profileFile: file)
            let p = checked.profile
            print("\(file): ok — profile '\(p.name)' on device \(p.device), \(p.constraints.cores) core(s)"
                  + (p.constraints.memoryCapBytes.map { ", RAM cap \(Units.bytes(Double($0)))" } ?? "")
                  + (p.constraints.integerOnly ? ", integer-only" : ""))
        } catch {
            printError("\(error)")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
    }
}

/// The daemon's catalog when one answers, else the one next to this binary (with a
/// note on stderr), so that listing works before a daemon is started.
func catalogFromDaemonOrLocal<T>(_ options: ClientOptions, daemon: (PicojouleClient) async throws -> T,
                                 local: (DeviceCatalog) -> T) async throws -> T {
    let client = PicojouleClient(socketPath: options.socketPath)
    do {
        try client.checkReachable()
    } catch ClientError.noDaemon where !options.spawn {
        let (devices, profiles) = try DeviceCatalog.locateDataDirectories()
        printError("picojoule: no daemon on \(options.socketPath); listing the local catalog (\((devices as NSString).deletingLastPathComponent))")
        return local(try DeviceCatalog(devicesDirectory: devices, profilesDirectory: profiles))
    }
    return try await daemon(try await options.connect())
}

/// `picojoule host`: what the daemon's host can measure (this host's, without a daemon).
struct HostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "host", abstract: "Show which counters open on the host, why others do not, and its resources.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let client = PicojouleClient(socketPath: options.socketPath)
            let data: Data
            if (try? client.checkReachable()) != nil || options.spawn {
                data = try await options.connect().host()
            } else {
                printError("picojoule: no daemon on \(options.socketPath); probing this host directly")
                data = try JSONEncoder().encode(HostProbe.probe())
            }
            if options.json { print(String(decoding: data, as: UTF8.self)); return }
            let host = try JSONDecoder().decode(HostCapabilities.self, from: data)
            print("CPUs \(host.onlineCPUs), NUMA nodes \(host.numaNodes.map(String.init) ?? "unknown"), perf_event_paranoid \(host.perfEventParanoid.map(String.init) ?? "unknown"), \(host.virtualized ? "virtualized" : "bare metal or undetected hypervisor"), \(host.runningAsRoot ? "root" : "not root")")
            print("hardware counters: " + (host.hardwareCountersAvailable ? "available" : "unavailable — \(host.hardwareCountersReason ?? "no reason given")"))
            print("RAPL energy: " + (host.raplAvailable ? host.raplDomains.joined(separator: ", ") : "unavailable — \(host.raplReason ?? "")"))
            print("cachegrind: " + (host.valgrindPath.map { "\($0) \(host.valgrindVersion ?? "")" } ?? "valgrind not found (apt-get install valgrind)"))
            var table = TextTable(["event", "kind", "opens", "counted in probe", "why not"])
            for e in host.events {
                table.add([e.event, e.software ? "software" : "hardware", e.available ? "yes" : "no",
                           e.counted.map { Units.count($0) } ?? "—",
                           e.available ? "" : "\(e.errnoName ?? "")\(e.reason.map { ": \($0)" } ?? "")"])
            }
            print("")
            print(table.render())
        }
    }
}
