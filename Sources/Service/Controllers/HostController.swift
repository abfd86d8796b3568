import Foundation
import Hummingbird
import ServiceAPI

/// `GET /v1/health` and `GET /v1/host`.
struct HostController {
    let prober: any HostProber
    let health: HealthInfo

    func addRoutes(to group: RouterGroup<PeerRequestContext>) {
        group.get("health") { _, _ in try JSONResponse.make(health) }
        group.get("host") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try await prober.probe())))
        }
    }
}
