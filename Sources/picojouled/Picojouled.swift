import ArgumentParser
import Foundation
import Runtime

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

    static func main() async {
        if let reason = KernelTarget.unsupportedReason() {
            FileHandle.standardError.write(Data("picojouled: \(reason)\n".utf8))
            Foundation.exit(2)
        }
        await main(nil)
    }
}
