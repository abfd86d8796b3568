import Client
import Foundation
import Service
import Testing

/// The API over a real Unix socket, with the synthetic executor.
@Suite struct SocketAPITests {
    @Test func uploadProfileQueryAndGate() async throws {
        try await withDaemon { client, config in
            // The socket is private to the daemon's user.
            let mode = try FileManager.default.attributesOfItem(atPath: config.socketPath)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let info = try await client.upload(try sampleModel(), name: "tinycnn-fp32.onnx")
            #expect(info.sha256.count == 64 && !info.inputs.isEmpty)
            #expect(try await client.upload(try sampleModel(), name: "again.onnx").sha256 == info.sha256)

            let job = try await client.submit(JobRequest(model: info.sha256, profile: "demo-mcu"))
            let final = try await finished(client, job.id)
            #expect(final.state == .succeeded)
            let resultID = try #require(final.resultID)

            let listed = try await client.results(model: "tinycnn-fp32.onnx", profile: "demo-mcu")
            #expect(listed.map(\.id) == [resultID])
            let detail = try await client.result(resultID)
            #expect(!detail.nodes.isEmpty && detail.summary.model == info.sha256)

            // The model's synthetic energy is size × 1e-9 × 0.25 J: pass at 1 J, fail at 1 nJ.
            let pass = try await client.gate(GateRequest(result: resultID, budgets: .init(energyPerInferenceJoules: 1)))
            #expect(pass.passed)
            let fail = try await client.gate(GateRequest(model: info.sha256, profile: "demo-mcu", budgets: .init(energyPerInferenceJoules: 1e-9)))
            #expect(!fail.passed)
            #expect(fail.checks.first { !$0.passed }?.margin ?? 0 < 0)

            let metrics = try await client.metrics()
            #expect(metrics.contains("picojoule_jobs{state=\"succeeded\"} 1"))
            #expect(metrics.contains("picojoule_last_energy_joules{model=\"tinycnn-fp32.onnx\""))
        }
    }

    @Test func badRequestsGetJSONErrorsAndTheDaemonKeepsServing() async throws {
        try await withDaemon { client, config in
            let info = try await client.upload(try sampleModel(), name: "m.onnx")
            let cases: [(String, (PicojouleClient) async throws -> Void, Int, String)] = [
                ("bad body", { _ = try await $0.raw(.POST, "/v1/jobs", body: Array("{not json".utf8), contentType: "application/json") }, 400, "bad_body"),
                ("missing field", { _ = try await $0.raw(.POST, "/v1/jobs", body: Array(#"{"profile":"demo-mcu"}"#.utf8), contentType: "application/json") }, 400, "bad_body"),
                ("unknown profile", { _ = try await $0.submit(JobRequest(model: info.sha256, profile: "no-such-profile")) }, 422, "unknown_profile"),
                ("unknown model", { _ = try await $0.submit(JobRequest(model: String(repeating: "0", count: 64), profile: "demo-mcu")) }, 404, "unknown_model"),
                ("corrupt model", { _ = try await $0.upload(Array("not an onnx file at all".utf8), name: "x.onnx") }, 422, "corrupt_model"),
                ("oversized upload", { _ = try await $0.upload([UInt8](repeating: 7, count: config.maxModelBytes + 1), name: "big.onnx") }, 413, "model_too_large"),
                ("unknown result", { _ = try await $0.result(999) }, 404, "not_found"),
                ("bad id", { _ = try await $0.raw(.GET, "/v1/jobs/abc") }, 400, "bad_parameter"),
            ]
            for (name, call, status, code) in cases {
                do {
                    try await call(client)
                    Issue.record("\(name): expected HTTP \(status)")
                } catch let ClientError.api(got, body) {
                    #expect(got == status, "\(name)")
                    #expect(body.error.code == code, "\(name)")
                    #expect(!body.error.message.isEmpty)
                }
                #expect(try await client.health().status == "ok", "daemon serves after \(name)")
            }
        }
    }

    @Test func aQueuedJobCanBeCancelledAndEventsEndWithTheJob() async throws {
        var config = try TestConfig.fresh()
        config.syntheticJobSeconds = 1
        try await withDaemon(config) { client, _ in
            let sha = try await client.upload(try sampleModel(), name: "m.onnx").sha256
            let first = try await client.submit(JobRequest(model: sha, profile: "demo-host"))
            let second = try await client.submit(JobRequest(model: sha, profile: "demo-host"))
            // Same core set: the second waits for the first.
            #expect(try await client.job(second.id).state == .queued)
            #expect(try await client.cancel(second.id).state == .cancelled)
            var states: [JobState] = []
            for try await status in try await client.events(first.id) { states.append(status.state) }
            #expect(states.last == .succeeded)
            #expect(try await client.job(second.id).state == .cancelled)
            do {
                _ = try await client.cancel(first.id)
                Issue.record("cancelling a finished job must be refused")
            } catch let error as ClientError { #expect(error.code == "job_finished") }
        }
    }
}
