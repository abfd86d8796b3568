import ArgumentParser
import Foundation
import Model
import Profiling
import Runtime

/// `picojoule inspect MODEL`: what a model is and what it needs, without running it.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's inputs, outputs, operators, parameters by dtype, MACs and planned memory.")

    @Argument(help: "Path of an ONNX model.") var model: String
    @Option(name: .customLong("against"), help: "A second model (e.g. the fp32 original) to compare sizes with.") var against: String?
    @Option(name: .customLong("dim"), help: "Bind a symbolic dimension, NAME=VALUE (repeatable; default 1).") var dims: [String] = []
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        let bindings = try parseBindings(dims)
        let report = try ModelReport.make(path: model, symbolicDimensions: bindings)
        let other = try against.map { try ModelReport.make(path: $0, symbolicDimensions: bindings) }
        if json {
            var doc: [String: ModelReport] = ["model": report]
            if let other { doc["against"] = other }
            print(try jsonString(doc))
        } else {
            print(report.text(against: other))
        }
    }
}

func parseBindings(_ items: [String]) throws -> [String: Int] {
    var result: [String: Int] = [:]
    for item in items {
        let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Int(parts[1]), value > 0 else {
            throw ValidationError("--dim expects NAME=POSITIVE_INTEGER, got '\(item)'")
        }
        result[parts[0]] = value
    }
    return result
}

func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
