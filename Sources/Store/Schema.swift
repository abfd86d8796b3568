import GRDB

/// The database schema, one migration per change. Never edit a shipped migration:
/// add a new one, so that existing databases upgrade in place.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "model") { t in
                t.primaryKey("sha256", .text)
                t.column("name", .text).notNull()
                t.column("format", .text).notNull()
                t.column("sizeBytes", .integer).notNull()
                t.column("inspectionJSON", .text).notNull()
                t.column("uploadedAt", .datetime).notNull()
            }
            try db.create(table: "job") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("modelSHA256", .text).notNull().references("model")
                t.column("profile", .text).notNull()
                t.column("state", .text).notNull().indexed()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("requestJSON", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
                t.column("error", .text)
            }
            try db.create(table: "result") { t in
                t.autoIncrementedPrimaryKey("id")
                // UNIQUE: the same job can never produce two stored results.
                t.column("jobID", .integer).notNull().unique().references("job")
                t.column("modelSHA256", .text).notNull().references("model")
                t.column("modelName", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("device", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("energyJoules", .double).notNull()
                t.column("energySource", .text).notNull()
                t.column("latencySeconds", .double).notNull()
                t.column("latencySource", .text).notNull()
                t.column("peakRAMBytes", .integer).notNull()
                t.column("flashBytes", .integer).notNull()
                t.column("dataMovementBytes", .double).notNull()
                t.column("fileBytes", .integer).notNull()
                t.column("resultJSON", .text).notNull()
            }
            try db.create(index: "result_by_model_profile", on: "result", columns: ["modelSHA256", "profile", "createdAt"])
            try db.create(index: "result_by_profile", on: "result", columns: ["profile", "createdAt"])
            try db.create(table: "node") { t in
                t.column("resultID", .integer).notNull().references("result", onDelete: .cascade)
                t.column("nodeIndex", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("opType", .text).notNull()
                t.column("energyJoules", .double).notNull()
                t.column("latencySeconds", .double).notNull()
                t.column("macs", .integer).notNull()
                t.column("bytesMoved", .double).notNull()
                t.column("boundBy", .text).notNull()
                t.column("hostSeconds", .double)
                t.primaryKey(["resultID", "nodeIndex"])
            }
            try db.create(table: "baseline") { t in
                t.column("modelSHA256", .text).notNull()
                t.column("profile", .text).notNull()
                t.column("resultID", .integer).notNull().references("result")
                t.column("markedAt", .datetime).notNull()
                t.primaryKey(["modelSHA256", "profile"])
            }
        }
        return migrator
    }
}
