import Foundation

/// The `--state` checkpoint of `live`: what a restart needs to go on exactly where the run
/// stopped. The analysis summary (detector state), the source list, where each followed file
/// was read up to (identity and offset of the last whole line), the incidents already written
/// (so none is written twice) and the per-source clocks.
///
/// Layout: the format name `modelwatch-live\0` (16 bytes), the version (`UInt32`, little
/// endian), the length of the JSON part (`UInt64`), the JSON part (everything but the summary),
/// then the summary's bytes. A file of another format or version is refused with a message
/// that says which. Written atomically: a temporary file in the same folder, then renamed.
public struct LiveCheckpoint {
    public static let formatName: [UInt8] = Array("modelwatch-live".utf8) + [0]
    public static let version: UInt32 = 2

    public var summary: AnalysisSummary
    public var sourcePaths: [String]
    public var positions: [FollowPosition]
    /// Files read to their end or skipped (renamed copies, gzip rotations): never read again.
    public var finished: [FileIdentity]
    public var incidents: [String: IncidentTracker.Incident]
    public var clock: EventClock

    public init(
        summary: AnalysisSummary, sourcePaths: [String], positions: [FollowPosition], finished: [FileIdentity],
        incidents: [String: IncidentTracker.Incident], clock: EventClock
    ) {
        self.finished = finished
        self.summary = summary
        self.sourcePaths = sourcePaths
        self.positions = positions
        self.incidents = incidents
        self.clock = clock
    }

    /// A checkpoint that cannot be used, with the file and the reason.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The JSON part: everything but the summary.
    struct Header: Codable {
        var sourcePaths: [String]
        var positions: [FollowPosition]
        var finished: [FileIdentity]
        var incidents: [String: IncidentTracker.Incident]
        var clocks: [EventClock.SourceClock]
        /// Late records per source (not in the shared state format: batch has none).
        var lateRecords: [Int]
    }

    public func encoded(options: AnalysisOptions) -> [UInt8] {
        let header = Header(
            sourcePaths: sourcePaths, positions: positions, finished: finished, incidents: incidents,
            clocks: clock.clocks,
            lateRecords: summary.sources.map(\.lateRecords))
        let json = (try? JSONEncoder().encode(header)) ?? Data()
        var bytes = Self.formatName
        withUnsafeBytes(of: Self.version.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: SummaryCoding.encode(summary, options: options))
        return bytes
    }

    /// Writes the checkpoint atomically (temporary file beside it, then rename; see `OutputFile`).
    public func write(to path: String, options: AnalysisOptions) throws(OutputError) {
        try OutputFile.write(encoded(options: options), to: path, name: "--state checkpoint")
    }

    /// The checkpoint at `path`; nil when there is none yet (a first run).
    public static func load(path: String, options: AnalysisOptions, latenessMillis: Int64) throws(LoadError)
        -> LiveCheckpoint?
    {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read the --state checkpoint \(path)")
        }
        let bytes = [UInt8](data)
        let headerSize = formatName.count + 12
        guard bytes.count >= headerSize, Array(bytes[0..<formatName.count]) == formatName else {
            throw LoadError(
                description:
                    "\(path) is not a modelwatch live checkpoint (it does not start with modelwatch-live); give another --state file"
            )
        }
        let version = bytes[formatName.count..<formatName.count + 4].reversed().reduce(UInt32(0)) {
            $0 << 8 | UInt32($1)
        }
        guard version == Self.version else {
            throw LoadError(
                description:
                    "\(path) is a live checkpoint of version \(version); this modelwatch reads version \(Self.version) only"
            )
        }
        let length = bytes[formatName.count + 4..<headerSize].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard UInt64(bytes.count - headerSize) >= length,
            let header = try? JSONDecoder().decode(
                Header.self, from: Data(bytes[headerSize..<headerSize + Int(length)]))
        else {
            throw LoadError(description: "\(path) is damaged (its header cannot be read); remove it to start afresh")
        }
        var summary: AnalysisSummary
        do {
            summary = try SummaryCoding.decode(Array(bytes[(headerSize + Int(length))...]))
        } catch {
            throw LoadError(description: "\(path): \(error)")
        }
        for (index, late) in header.lateRecords.enumerated() where index < summary.sources.count {
            summary.sources[index].lateRecords = late
        }
        var clock = EventClock(latenessMillis: latenessMillis, windowMillis: options.windowMillis)
        clock.restore(header.clocks, wallMillis: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
        return LiveCheckpoint(
            summary: summary, sourcePaths: header.sourcePaths, positions: header.positions,
            finished: header.finished, incidents: header.incidents, clock: clock)
    }
}
