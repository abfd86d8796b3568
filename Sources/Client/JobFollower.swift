import Foundation
import ServiceAPI

/// Follows a job's event stream to its end, drawing a progress bar on stderr.
public struct JobFollower: Sendable {
    public let client: PicojouleClient
    public var showProgress: Bool
    public init(client: PicojouleClient, showProgress: Bool) { self.client = client; self.showProgress = showProgress }

    /// The job's final status. Falls back to polling if the stream breaks.
    public func wait(for id: Int64, label: String) async throws -> JobStatus {
        var last: JobStatus?
        do {
            for try await status in try await client.events(id) {
                last = status
                draw(status, label: label)
            }
        } catch let error as ClientError {
            throw error
        } catch {
            // A dropped stream is not a failed job: poll below.
        }
        while last.map({ !$0.state.isFinal }) ?? true {
            try await Task.sleep(for: .milliseconds(250))
            let status = try await client.job(id)
            draw(status, label: label)
            last = status
        }
        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        return last!
    }

    private func draw(_ status: JobStatus, label: String) {
        guard showProgress else { return }
        let width = 30
        let filled = Int((status.progress * Double(width)).rounded())
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let phase = status.phase ?? status.state.rawValue
        let line = "\r[\(bar)] \(String(format: "%3.0f", status.progress * 100))% \(label): \(status.state.rawValue) \(phase)"
        FileHandle.standardError.write(Data((line.padding(toLength: max(line.count, 100), withPad: " ", startingAt: 0)).utf8))
    }
}
