import Device

/// The devices and profiles the daemon knows. The Device module's catalog (YAML
/// files in devices/ and profiles/) is the real one; tests pass a `StaticCatalog`.
public protocol CatalogProvider: Sendable {
    func devices() throws -> [DeviceSpec]
    func profiles() throws -> [DeviceProfile]
}

extension CatalogProvider {
    public func profile(named name: String) throws -> DeviceProfile? { try profiles().first { $0.name == name } }
    public func device(named name: String) throws -> DeviceSpec? { try devices().first { $0.name == name } }
}

/// A fixed catalog.
public struct StaticCatalog: CatalogProvider {
    public var deviceList: [DeviceSpec]
    public var profileList: [DeviceProfile]
    public init(devices: [DeviceSpec], profiles: [DeviceProfile]) { deviceList = devices; profileList = profiles }
    public func devices() -> [DeviceSpec] { deviceList }
    public func profiles() -> [DeviceProfile] { profileList }
}
