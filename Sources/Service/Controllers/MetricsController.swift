import Hummingbird

/// `GET /metrics` in the Prometheus text format.
struct MetricsController {
    let store: any ResultStore
    let queue: JobQueue

    func addRoutes(to router: Router<PeerRequestContext>) {
        router.get("metrics") { _, _ in
            let text = PrometheusText.render(counts: try await store.jobCounts(), durations: try await store.jobDurations(),
                                             latest: try await store.latestResults(), running: await queue.runningCount)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
