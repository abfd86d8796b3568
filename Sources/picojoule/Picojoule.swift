import ArgumentParser

struct Picojoule: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "picojoule",
        abstract: "Profile neural-network models against device targets: energy, data movement, memory, latency.",
        subcommands: [
            // Each subcommand lives in its own file; add yours here.
            InspectCommand.self, RunCommand.self, WorkerCommand.self,
            ProfileCommand.self, CompareCommand.self, ResultsCommand.self, ShowCommand.self,
            DevicesCommand.self, ProfilesCommand.self, HostCommand.self, GateCommand.self,
        ]
    )
}
