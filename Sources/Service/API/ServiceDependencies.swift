import Logging

/// Everything the daemon talks to, behind protocols so tests can pass fakes.
public struct ServiceDependencies: Sendable {
    public var store: any ResultStore
    public var catalog: any CatalogProvider
    public var executor: any JobExecutor
    public var inspector: any ModelInspector
    public var host: any HostProber
    public var modelFiles: ModelFiles

    public init(store: any ResultStore, catalog: any CatalogProvider, executor: any JobExecutor,
                inspector: any ModelInspector = ONNXWireInspector(), host: any HostProber = CounterHostProber(), modelFiles: ModelFiles) {
        self.store = store; self.catalog = catalog; self.executor = executor
        self.inspector = inspector; self.host = host; self.modelFiles = modelFiles
    }
}
