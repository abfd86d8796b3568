import ArgumentParser

/// The daemon's entry point: `picojouled [serve] [options]`. Other subcommands
/// (the hidden `worker`) live in files of their own.
@main
struct Picojouled: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "picojouled",
        abstract: "The Picojoule daemon: queues profiling jobs and serves results over a Unix socket.",
        subcommands: [
            Serve.self, Worker.self,
        ],
        defaultSubcommand: Serve.self
    )
}
