/// Raises `ops.logging.integrity` for damaged sources: truncated or corrupt archives, junk after
/// the last gzip member, unreadable files, and sources where many lines could not be parsed.
///
/// Reads only the per-source accounting of a summary; knows nothing of bytes or files.
public struct IntegrityDetector: Sendable {
    /// A source whose damaged-line share reaches this is reported (medium)...
    public var rejectShareMedium = 0.01
    /// ...and at this share, high.
    public var rejectShareHigh = 0.20
    /// Fewer damaged lines than this are never reported as a share (a stray bad line is noise).
    public var minimumDamagedLines = 5

    public init() {}

    public func events(for summary: AnalysisSummary) -> [Event] {
        var events: [Event] = []
        for source in summary.sources {
            let start = source.firstMillis == .max ? 0 : source.firstMillis
            let end = source.lastMillis == .min ? start : source.lastMillis
            let entity = EventEntity(source: source.path)
            if let readError = source.readError {
                events.append(
                    Event(
                        type: .opsLoggingIntegrity, subtype: "unreadable", severity: .high, startMillis: start,
                        endMillis: end, entity: entity, evidence: [("bytes_read", .integer(source.bytesRead))],
                        message: "\(readError); check the file's permissions and storage."))
            }
            if let ending = source.gzipEnding, ending != .complete {
                let offset = source.damageOffset ?? source.bytesRead
                var evidence: [(String, EvidenceValue)] = [
                    ("compressed_offset", .integer(offset)),
                    ("compressed_bytes", .integer(source.bytesRead)),
                    ("compressed_bytes_lost", .integer(source.lostCompressedBytes)),
                    ("decoded_bytes", .integer(source.bytesDecoded)),
                    ("gzip_members", .integer(Int64(source.gzipMembers))),
                    ("lines_recovered", .integer(Int64(source.parsed))),
                ]
                let subtype: String
                let message: String
                switch ending {
                case .truncated:
                    subtype = "truncated"
                    message =
                        "\(source.path) is a truncated gzip archive: it ends inside a member at compressed byte \(offset); the \(source.parsed) records before the cut were analysed, the rest of the log is missing. Restore the file from the original or a backup."
                case .corrupt(let error):
                    subtype = "corrupt"
                    evidence.append(("zlib_error", .text(error.description)))
                    message =
                        "\(source.path) is corrupt at compressed byte \(offset) (\(error.description)); \(source.lostCompressedBytes) compressed bytes after it could not be read. Restore the file from the original or a backup."
                case .trailingGarbage:
                    subtype = "trailing_garbage"
                    message =
                        "\(source.path) has \(source.lostCompressedBytes) bytes that are not gzip after its last member, from compressed byte \(offset); check whether something appended to or overwrote the archive."
                case .complete:
                    continue
                }
                events.append(
                    Event(
                        type: .opsLoggingIntegrity, subtype: subtype,
                        severity: ending == .trailingGarbage ? .medium : .high,
                        startMillis: start, endMillis: end, entity: entity, evidence: evidence, message: message))
            }
            if source.futureRecords > 0 {
                events.append(
                    Event(
                        type: .opsLoggingIntegrity, subtype: "future_timestamps", severity: .medium, startMillis: start,
                        endMillis: end, entity: entity,
                        evidence: [
                            ("future_records", .integer(Int64(source.futureRecords))),
                            ("latest_stamp", .text(TimestampParser.formatRFC3339(millis: source.latestFutureMillis))),
                            ("records", .integer(Int64(source.parsed))),
                        ],
                        message:
                            "\(source.futureRecords) records of \(source.path) are stamped in the future (latest \(TimestampParser.formatRFC3339(millis: source.latestFutureMillis))); check the writer's clock and time zone.",
                        count: source.futureRecords))
            }
            let damaged = source.damagedLines
            guard source.lines > 0, damaged >= minimumDamagedLines else { continue }
            let share = Double(damaged) / Double(source.lines)
            guard share >= rejectShareMedium else { continue }
            var evidence: [(String, EvidenceValue)] = [
                ("statistic", .text("rejected line share")),
                ("value", .number((share * 10_000).rounded() / 10_000)),
                ("threshold", .number(rejectShareMedium)),
                ("lines", .integer(Int64(source.lines))),
                ("rejected", .integer(Int64(damaged))),
            ]
            for reason in RejectReason.allCases where reason.countsAsDamage && source.rejected[reason.rawValue] > 0 {
                evidence.append(
                    ("rejected_" + reason.name.replacingSpaces(), .integer(Int64(source.rejected[reason.rawValue]))))
            }
            var message = "\(damaged) of \(source.lines) lines of \(source.path) could not be parsed"
            if let first = source.firstRejection {
                evidence.append(("first_rejected_offset", .integer(first.offset)))
                message += " (first at decoded byte \(first.offset): \(first.reason.name))"
            }
            message += "; check the writer of this log or pass the right --access-format."
            events.append(
                Event(
                    type: .opsLoggingIntegrity, subtype: "rejected_lines",
                    severity: share >= rejectShareHigh ? .high : .medium,
                    startMillis: start, endMillis: end, entity: entity, evidence: evidence, message: message))
        }
        return events
    }
}

extension String {
    func replacingSpaces() -> String {
        String(map { $0 == " " || $0 == "-" ? "_" : $0 })
    }
}
