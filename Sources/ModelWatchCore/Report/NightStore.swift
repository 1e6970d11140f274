import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the nightly report's state cannot be used: a database of another program or a newer
/// modelwatch, a damaged file, or another run holding the lock. The message names the file and
/// says what to do; the command exits 2 on it (SPEC.md's usage-error status), and the file is
/// never replaced or repaired.
public struct NightStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// What one night read of one input file: its identity (device, inode, size, a hash of its first
/// bytes) and the offset the night stopped at, so the next night reads only what is new.
public struct FileRead: Sendable, Equatable {
    public var path: String
    public var device: Int64
    public var inode: Int64
    public var size: Int64
    public var prefixHash: Int64
    /// Bytes of the file this night read from (0 for the whole file; the earlier offset for a
    /// grown file's tail).
    public var startOffset: Int64
    /// Bytes of the file that have been read after this night (its size when read).
    public var endOffset: Int64
    public var compression: String

    public init(
        path: String, device: Int64, inode: Int64, size: Int64, prefixHash: Int64, startOffset: Int64,
        endOffset: Int64, compression: String
    ) {
        self.path = path
        self.device = device
        self.inode = inode
        self.size = size
        self.prefixHash = prefixHash
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.compression = compression
    }
}

/// One stored night: its date, the cumulative analysis state after it (`StateFile` bytes, the
/// same format `analyze --save-state` writes), and the report document of that night.
public struct StoredNight: Sendable {
    public var night: String
    public var runMillis: Int64
    public var state: [UInt8]
    public var document: ReportDocument
}

/// The nightly report's SQLite database (`DIR/modelwatch.sqlite`), through GRDB: the one place
/// with SQL in it. WAL journal (`DatabasePool`), schema by `DatabaseMigrator`, the schema version
/// in `PRAGMA user_version` and the format in `PRAGMA application_id`, so a database of another
/// program is recognised and refused, not migrated. An exclusive `flock` on `DIR/modelwatch.lock`
/// for the whole run keeps two cron runs from both writing.
///
/// Tables (every per-night row carries its night, so re-running a night deletes and rewrites
/// exactly its rows and nothing is counted twice):
/// - `night`: night, run time, the cumulative `StateFile` blob, the night's report document (JSON);
/// - `file_read`: per night and file, identity and offsets read;
/// - `night_source`, `night_model`, `night_drift`, `night_abuse`, `night_control`,
///   `night_event`: the night's figures as columns, for queries (an incident's first and last
///   night are `MIN`/`MAX(night)` over `night_event`).
public final class NightStore {
    /// `PRAGMA application_id`: "MWrp" in ASCII, marks a modelwatch report database.
    public static let applicationID: Int32 = 0x4D57_7270
    /// `PRAGMA user_version`: the schema version this binary writes and reads.
    public static let schemaVersion: Int32 = 1
    public static let databaseName = "modelwatch.sqlite"
    static let lockName = "modelwatch.lock"

    public let path: String
    let pool: DatabasePool
    let lockDescriptor: Int32

    /// Opens (or creates) the database in `folder`, takes the run lock, and migrates the schema.
    public init(folder: String) throws(NightStoreError) {
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw NightStoreError(
                    description: "cannot create the state folder \(folder): \(error.localizedDescription)")
            }
        } else if !isFolder.boolValue {
            throw NightStoreError(
                description: "--state \(folder) is not a folder; give the folder that holds \(Self.databaseName)")
        }
        path = folder + "/" + Self.databaseName
        let lockPath = folder + "/" + Self.lockName
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw NightStoreError(description: "cannot open the lock \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw NightStoreError(
                description:
                    "another modelwatch report holds the lock on \(lockPath); wait for it to finish (two runs must not both write the state)"
            )
        }
        lockDescriptor = descriptor
        do {
            if FileManager.default.fileExists(atPath: path) { try Self.checkFormat(path) }
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch let error as NightStoreError {
            close(descriptor)
            throw error
        } catch {
            close(descriptor)
            throw NightStoreError(description: "\(path) cannot be used as modelwatch's state: \(Self.describe(error))")
        }
    }

    deinit {
        // Releases the run lock; the pool closes its connections when it is freed.
        close(lockDescriptor)
    }

    /// Refuses, without changing a byte, a file that is not SQLite, a SQLite database of another
    /// program, or one written by a newer schema.
    static func checkFormat(_ path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        let (application, version, tables): (Int32, Int32, Int)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            (application, version, tables) = try queue.read { db in
                (
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                    try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                )
            }
        } catch {
            throw NightStoreError(
                description:
                    "\(path) is not a modelwatch state database (\(describe(error))); it is left as it is: move it away, or give another --state folder"
            )
        }
        if tables == 0 && application == 0 { return }
        guard application == applicationID else {
            throw NightStoreError(
                description:
                    "\(path) is a SQLite database of another program (application_id \(application)); it is left as it is: give modelwatch a folder of its own with --state"
            )
        }
        guard version <= schemaVersion else {
            throw NightStoreError(
                description:
                    "\(path) has schema version \(version), written by a newer modelwatch; this one reads version \(schemaVersion) or older: run the newer modelwatch"
            )
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE night (
                        night TEXT PRIMARY KEY, run_millis INTEGER NOT NULL, state BLOB NOT NULL, document BLOB NOT NULL);
                    CREATE TABLE file_read (
                        night TEXT NOT NULL REFERENCES night(night) ON DELETE CASCADE, path TEXT NOT NULL,
                        device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL, prefix_hash INTEGER NOT NULL,
                        start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, compression TEXT NOT NULL,
                        PRIMARY KEY (night, path));
                    CREATE INDEX file_read_identity ON file_read (device, inode);
                    CREATE TABLE night_source (
                        night TEXT NOT NULL REFERENCES night(night) ON DELETE CASCADE, path TEXT NOT NULL, kind TEXT NOT NULL,
                        lines INTEGER NOT NULL, parsed INTEGER NOT NULL, rejected INTEGER NOT NULL, late INTEGER NOT NULL,
                        lost_compressed_bytes INTEGER NOT NULL, lost TEXT);
                    CREATE TABLE night_model (
                        night TEXT NOT NULL REFERENCES night(night) ON DELETE CASCADE, model TEXT NOT NULL,
                        records INTEGER NOT NULL, p50 REAL, p95 REAL, p99 REAL, error_share REAL NOT NULL,
                        prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, PRIMARY KEY (night, model));
                    CREATE TABLE night_drift (
                        night TEXT NOT NULL REFERENCES night(night) ON DELETE CASCADE, model TEXT NOT NULL,
                        subject TEXT NOT NULL, window_day TEXT NOT NULL, statistic TEXT NOT NULL, value REAL NOT NULL,
                        threshold REAL NOT NULL, drifted INTEGER NOT NULL);
                    CREATE TABLE night_abuse (
                        night TEXT NOT NULL REFERENCES night(night) ON DELETE CASCADE, entity TEXT NOT NULL,
                        risk TEXT NOT NULL, types TEXT NOT NULL, windows INTEGER NOT NULL);
                    CREATE TABLE night_control (
                        night TEXT NOT NULL REFERENCES night(night) ON DELETE CASCADE, type TEXT NOT NULL,
                        status TEXT NOT NULL, events INTEGER NOT NULL, worst TEXT, PRIMARY KEY (night, type));
                    CREATE TABLE night_event (
                        night TEXT NOT NULL REFERENCES night(night) ON DELETE CASCADE, event_id TEXT NOT NULL,
                        type TEXT NOT NULL, severity TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
                        line TEXT NOT NULL, PRIMARY KEY (night, event_id));
                    CREATE INDEX night_event_id ON night_event (event_id);
                    """)
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: "PRAGMA user_version = \(schemaVersion)")
        }
        return migrator
    }

    func run<T>(_ what: String, _ body: () throws -> T) throws(NightStoreError) -> T {
        do {
            return try body()
        } catch {
            throw NightStoreError(description: "\(path): \(what): \(Self.describe(error))")
        }
    }

    /// The latest night stored before `night`, whose state tonight's input is merged into.
    public func night(before night: String) throws(NightStoreError) -> StoredNight? {
        try run("reading the previous night") {
            try pool.read { db in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT * FROM night WHERE night < ? ORDER BY night DESC LIMIT 1", arguments: [night])
                else { return nil }
                return try Self.storedNight(row)
            }
        }
    }

    static func storedNight(_ row: Row) throws -> StoredNight {
        let document = try JSONDecoder().decode(ReportDocument.self, from: row["document"] as Data)
        return StoredNight(
            night: row["night"], runMillis: row["run_millis"], state: [UInt8](row["state"] as Data), document: document)
    }

    /// Every night stored, oldest first (without their state blobs).
    public func nights() throws(NightStoreError) -> [String] {
        try run("listing the nights") {
            try pool.read { db in try String.fetchAll(db, sql: "SELECT night FROM night ORDER BY night") }
        }
    }

    /// The files read by the nights before `night`: per (device, inode), the latest read.
    public func filesRead(before night: String) throws(NightStoreError) -> [FileRead] {
        try run("reading what earlier nights read") {
            try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT f.* FROM file_read f
                        WHERE f.night < ? AND f.night = (
                            SELECT max(g.night) FROM file_read g WHERE g.night < ? AND g.device = f.device AND g.inode = f.inode)
                        """, arguments: [night, night]
                ).map {
                    FileRead(
                        path: $0["path"], device: $0["device"], inode: $0["inode"], size: $0["size"],
                        prefixHash: $0["prefix_hash"], startOffset: $0["start_offset"], endOffset: $0["end_offset"],
                        compression: $0["compression"])
                }
            }
        }
    }

    /// The nights each event id was first and last seen in, over the nights up to `night`
    /// (the night being written counts once it is saved).
    public func eventNights(upTo night: String) throws(NightStoreError) -> [String: (first: String, last: String)] {
        try run("reading the incidents of earlier nights") {
            try pool.read { db in
                var nights: [String: (first: String, last: String)] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql:
                        "SELECT event_id, min(night) AS first, max(night) AS last FROM night_event WHERE night <= ? GROUP BY event_id",
                    arguments: [night])
                {
                    nights[row["event_id"]] = (row["first"], row["last"])
                }
                return nights
            }
        }
    }

    /// The event lines (JSON) of the night before `night`, by id: what the previous report said.
    public func events(ofNightBefore night: String) throws(NightStoreError) -> [String: String] {
        try run("reading the previous night's events") {
            try pool.read { db in
                guard
                    let previous = try String.fetchOne(
                        db, sql: "SELECT max(night) FROM night WHERE night < ?", arguments: [night])
                else { return [:] }
                var lines: [String: String] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT event_id, line FROM night_event WHERE night = ?", arguments: [previous])
                {
                    lines[row["event_id"]] = row["line"]
                }
                return lines
            }
        }
    }

    /// Writes `night` in one transaction, replacing every row an earlier run of the same night
    /// wrote, and deleting the nights after it (their state was built on the night replaced).
    public func save(
        night: String, runMillis: Int64, state: [UInt8], document: ReportDocument, tonight: ReportDocument,
        files: [FileRead], events: [Event]
    ) throws(NightStoreError) {
        let encoded: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoded = try encoder.encode(document)
        } catch {
            throw NightStoreError(description: "cannot encode the night's report: \(error)")
        }
        try run("saving night \(night)") {
            try pool.write { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                try db.execute(sql: "DELETE FROM night WHERE night >= ?", arguments: [night])
                for table in [
                    "file_read", "night_source", "night_model", "night_drift", "night_abuse", "night_control",
                    "night_event",
                ] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE night >= ?", arguments: [night])
                }
                try db.execute(
                    sql: "INSERT INTO night (night, run_millis, state, document) VALUES (?, ?, ?, ?)",
                    arguments: [night, runMillis, Data(state), encoded])
                for file in files {
                    try db.execute(
                        sql: "INSERT INTO file_read VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            night, file.path, file.device, file.inode, file.size, file.prefixHash, file.startOffset,
                            file.endOffset, file.compression,
                        ])
                }
                for source in tonight.sources {
                    try db.execute(
                        sql: "INSERT INTO night_source VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            night, source.path, source.kind, source.lines, source.parsed, source.rejectedTotal,
                            source.late, source.lostCompressedBytes, source.lost,
                        ])
                }
                var models: [String: ModelDay] = [:]
                for day in tonight.days {
                    for model in day.models {
                        // A night's input can span two UTC days; the figures that add, add.
                        if var known = models[model.model] {
                            known.records += model.records
                            known.promptTokens += model.promptTokens
                            known.completionTokens += model.completionTokens
                            models[model.model] = known
                        } else {
                            models[model.model] = model
                        }
                    }
                }
                for model in models.values {
                    try db.execute(
                        sql: "INSERT INTO night_model VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            night, model.model, model.records, model.p50, model.p95, model.p99, model.errorShare,
                            model.promptTokens, model.completionTokens,
                        ])
                }
                for series in document.drift {
                    for point in series.points {
                        try db.execute(
                            sql: "INSERT INTO night_drift VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            arguments: [
                                night, series.model, series.subject, point.day, point.statistic, point.value,
                                point.threshold, point.drifted,
                            ])
                    }
                }
                for row in document.abuse {
                    try db.execute(
                        sql: "INSERT INTO night_abuse VALUES (?, ?, ?, ?, ?)",
                        arguments: [night, row.entity, row.worst, row.types.joined(separator: ","), row.windows])
                }
                for row in document.controls {
                    try db.execute(
                        sql: "INSERT INTO night_control VALUES (?, ?, ?, ?, ?)",
                        arguments: [night, row.type, row.status, row.events, row.worst])
                }
                for event in events {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO night_event VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [
                            night, event.id, event.typeName, event.severity.name,
                            TimestampParser.formatRFC3339(millis: event.startMillis),
                            TimestampParser.formatRFC3339(millis: event.endMillis), EventJSON.line(for: event),
                        ])
                }
            }
        }
    }
}

/// A file's identity on disk: device and inode (the file itself, whatever its name after a
/// rotation), its size, and a hash of its first bytes (a copy or a truncate-and-rewrite changes
/// it).
public enum ArchiveFileIdentity {
    /// Bytes hashed at the start of a file: enough to tell apart two logs, cheap to read nightly.
    public static let prefixLength = 4096

    public static func of(path: String) -> (device: Int64, inode: Int64, size: Int64, prefixHash: Int64)? {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let prefix = (try? handle.read(upToCount: prefixLength)) ?? Data()
        let hash = prefix.withUnsafeBytes { ByteHashing.hash($0) }
        return (Int64(status.st_dev), Int64(status.st_ino), Int64(status.st_size), Int64(bitPattern: hash))
    }

    /// The hash of the first `length` bytes (the prefix an earlier, smaller read saw).
    public static func prefixHash(path: String, length: Int) -> Int64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let prefix = (try? handle.read(upToCount: length)) ?? Data()
        return Int64(bitPattern: prefix.withUnsafeBytes { ByteHashing.hash($0) })
    }
}
