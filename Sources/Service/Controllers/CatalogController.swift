import Hummingbird

/// `GET /v1/devices`, `/v1/devices/{name}`, `/v1/profiles`, `/v1/profiles/{name}`.
struct CatalogController {
    let catalog: any CatalogProvider

    func addRoutes(to group: RouterGroup<PeerRequestContext>) {
        group.get("devices") { _, _ in try JSONResponse.make(try catalog.devices()) }
        group.get("devices/{name}") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let device = try catalog.device(named: name) else { throw ServiceError.notFound("device '\(name)'", code: "unknown_device") }
            return try JSONResponse.make(device)
        }
        group.get("profiles") { _, _ in try JSONResponse.make(try catalog.profiles()) }
        group.get("profiles/{name}") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let profile = try catalog.profile(named: name) else { throw ServiceError.notFound("profile '\(name)'", code: "unknown_profile") }
            return try JSONResponse.make(profile)
        }
    }
}
