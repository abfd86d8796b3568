import Foundation
import GRDB

/// One uploaded model, stored content-addressed: the bytes live at
/// `<data dir>/models/<sha256>.onnx`, this row holds what inspecting them found.
public struct ModelRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "model"
    /// Lower-case hex SHA-256 of the file: the primary key and the file name.
    public var sha256: String
    /// The name the first uploader gave it (a file name); later uploads keep it.
    public var name: String
    public var format: String
    public var sizeBytes: Int
    /// The inspection as JSON (inputs, outputs, dtypes, parameters), so the schema
    /// of the inspection can grow without a migration.
    public var inspectionJSON: String
    public var uploadedAt: Date

    public init(sha256: String, name: String, format: String, sizeBytes: Int, inspectionJSON: String, uploadedAt: Date) {
        self.sha256 = sha256; self.name = name; self.format = format; self.sizeBytes = sizeBytes
        self.inspectionJSON = inspectionJSON; self.uploadedAt = uploadedAt
    }
}
