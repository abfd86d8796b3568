import ArgumentParser
import Client
import Device
import Foundation
import Profiling

/// `picojoule profile --local`: each job in a worker process of this binary, under
/// its profile, without a daemon; nothing is stored.
struct LocalProfile {
    var models: [String]
    var profiles: [String]
    var runs: Int?
    var warmup: Int?
    var simulate: Bool
    var json: Bool
    var timeoutSeconds: Double

    func run() async throws {
        let catalog: DeviceCatalog
        do { catalog = try DeviceCatalog.load() } catch {
            printError("picojoule: \(error)")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        var specs: [(label: String, spec: JobSpec)] = []
        do {
            for model in models {
                guard FileManager.default.isReadableFile(atPath: model) else { throw ValidationError("cannot read \(model)") }
                for name in profiles {
                    let profile = try catalog.profile(named: name)
                    let device = try catalog.device(named: profile.device)
                    let path = URL(fileURLWithPath: model).standardizedFileURL.path
                    specs.append(("\((model as NSString).lastPathComponent) on \(name)",
                                  JobSpec(modelPath: path, profile: profile, device: device, runs: runs, warmup: warmup, simulate: simulate)))
                }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("picojoule: \(error)")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let supervisor = WorkerSupervisor(executable: DeviceCatalog.currentExecutable(), arguments: ["worker"],
                                          timeout: .milliseconds(Int(timeoutSeconds * 1000)))
        let showProgress = !json && isatty(2) == 1
        var results: [ProfileResult] = []
        var failed = false
        for (label, spec) in specs {
            do {
                let result = try await supervisor.run(spec) { phase, fraction in
                    if showProgress { ProgressLine.draw(label: label, phase: phase, fraction: fraction) }
                }
                if showProgress { ProgressLine.clear() }
                results.append(result)
                if !json { print("== \(label)\n\(ResultText.render(result))\n") }
            } catch {
                if showProgress { ProgressLine.clear() }
                failed = true
                printError("picojoule: \(label): \(error)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
        if failed { throw ExitCode(ExitStatus.jobFailed.rawValue) }
    }
}

/// One line of progress on stderr, redrawn in place.
enum ProgressLine {
    static func draw(label: String, phase: String, fraction: Double) {
        let width = 24, filled = Int((fraction * Double(width)).rounded())
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: max(0, width - filled))
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): [\(bar)] \(Int(fraction * 100))% \(phase)".utf8))
    }
    static func clear() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}
