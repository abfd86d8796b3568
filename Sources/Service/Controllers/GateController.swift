import Hummingbird
import ServiceAPI
import Store

/// `POST /v1/gate`: a stored result (or the newest of model + profile) against budgets.
/// A budget miss is a 200 with `passed: false`: the gate worked, the model failed it.
struct GateController {
    let store: any ResultStore
    let catalog: any CatalogProvider
    let models: ModelService

    func addRoutes(to group: RouterGroup<PeerRequestContext>) {
        group.post("gate") { request, _ in
            let body = try await JSONResponse.decode(GateRequest.self, from: request)
            let result: ResultRecord
            if let id = body.result {
                guard let r = try await store.result(id: id) else { throw ServiceError.notFound("result \(id)") }
                result = r
            } else if let model = body.model, let profile = body.profile {
                let sha = try await models.resolve(model)
                guard let r = try await store.results(matching: ResultQuery(modelSHA256: sha, profile: profile, limit: 1)).first else {
                    throw ServiceError(.notFound, code: "no_result",
                                       message: "model \(model) has no result on profile \(profile); run picojoule profile first")
                }
                result = r
            } else {
                throw ServiceError.badRequest("give either result, or model and profile", code: "bad_body")
            }
            let profileBudgets = body.ignoreProfileBudgets == true ? nil : try catalog.profile(named: result.profile)?.budgets
            let baseline = body.baselineTolerancePercent == nil ? nil
                : try await store.baseline(modelSHA256: result.modelSHA256, profile: result.profile)
            let report = GateEvaluator.evaluate(result, profileBudgets: profileBudgets, requestBudgets: body.budgets,
                                                baseline: baseline, tolerancePercent: body.baselineTolerancePercent)
            return try JSONResponse.make(report)
        }
    }
}
