import Device
import Foundation
import Logging
import Profiling

/// The Device module's catalog (devices/*.yaml, profiles/*.yaml) as the service sees it.
public struct DeviceCatalogProvider: CatalogProvider {
    public let catalog: DeviceCatalog
    public init(_ catalog: DeviceCatalog) { self.catalog = catalog }
    public func devices() -> [DeviceSpec] { catalog.devices.values.sorted { $0.name < $1.name } }
    public func profiles() -> [DeviceProfile] { catalog.profiles.values.sorted { $0.name < $1.name } }
}

/// Finds the catalog the daemon serves.
enum DefaultCatalog {
    static func load(_ config: some DaemonConfig, logger: Logger) throws -> any CatalogProvider {
        if config.syntheticJobSeconds != nil {
            logger.warning("synthetic executor: serving the built-in demo catalog; results are made up")
            return SyntheticJobExecutor.demoCatalog
        }
        let directories: (devices: String, profiles: String)
        if let devices = config.devicesDirectory, let profiles = config.profilesDirectory {
            directories = (devices, profiles)
        } else {
            let found = try DeviceCatalog.locateDataDirectories()
            directories = (config.devicesDirectory ?? found.devices, config.profilesDirectory ?? found.profiles)
        }
        let catalog = try DeviceCatalog(devicesDirectory: directories.devices, profilesDirectory: directories.profiles)
        logger.info("catalog: \(catalog.devices.count) devices from \(directories.devices), \(catalog.profiles.count) profiles from \(directories.profiles)")
        return DeviceCatalogProvider(catalog)
    }
}

/// Runs each job in a worker process (`<executable> worker`) under its profile's
/// constraints, so a model that crashes or overflows its memory cap dies alone.
public struct WorkerJobExecutor: JobExecutor {
    public let supervisor: WorkerSupervisor
    public init(supervisor: WorkerSupervisor) { self.supervisor = supervisor }
    public var isSynthetic: Bool { false }

    /// Cancelling the calling task kills the worker (SIGKILL, its process group)
    /// within the supervisor's 50 ms poll, and the job ends as cancelled.
    public func execute(_ spec: JobSpec, progress: @escaping JobRunner.Progress) async throws -> ProfileResult {
        do {
            let result = try await supervisor.run(spec, progress: progress)
            try Task.checkCancellation()
            return result
        } catch WorkerFailure.cancelled {
            throw CancellationError()
        }
    }
}
