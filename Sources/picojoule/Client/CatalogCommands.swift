import ArgumentParser
import Client
import Foundation

/// `picojoule devices`: the daemon's device catalog.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "List the devices the daemon models.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let devices = try await options.connect().devices()
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

/// `picojoule profiles`: deployment targets and their budgets.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "profiles", abstract: "List the profiles jobs can run under.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let profiles = try await options.connect().profiles()
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

/// `picojoule host`: what the daemon's host can measure.
struct HostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "host", abstract: "Show the counters and resources of the daemon's host.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await withClientErrors {
            let data = try await options.connect().host()
            if options.json { print(String(decoding: data, as: UTF8.self)); return }
            let object = try JSONSerialization.jsonObject(with: data)
            let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: pretty, as: UTF8.self))
        }
    }
}
