/// Raises `ops.logging.integrity` for damaged sources: truncated or corrupt archives, junk after
/// the last gzip member, unreadable files, sources where many lines could not be parsed, records
/// stamped in the future, time running backwards within a file, and request ids written twice.
///
/// Reads the per-source accounting and the request-id sample of a summary; knows nothing of
/// bytes or files.
public struct IntegrityDetector: Sendable {
    /// A source whose damaged-line share reaches this is reported (medium)...
    public var rejectShareMedium = 0.01
    /// ...and at this share, high.
    public var rejectShareHigh = 0.20
    /// Fewer damaged lines than this are never reported as a share (a stray bad line is noise).
    public var minimumDamagedLines = 5
    /// Duplicated request ids are reported from this many in the sample (the sample keeps one id
    /// in `sampleRate`, so the estimate is this times the rate)...
    public var minimumDuplicateSamples = 3
    /// ...and when the estimated duplicates reach this share of the family's sampled records.
    public var duplicateShareMedium = 0.001
    /// A step back longer than this is high (an hour: spliced-in old data rather than a clock nudge).
    public var backwardHighMillis: Int64 = 3_600_000
    /// The tolerance the run's time-order check used (`AnalysisOptions.backwardToleranceMillis`), for the evidence.
    public var backwardToleranceMillis = AnalysisOptions.defaultBackwardTolerance

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
            if let order = source.timeOrder, let episode = order.firstEpisode {
                events.append(backwardsEvent(source: source, order: order, episode: episode))
            }
            // A file that is not a log is listed as skipped in the summary, not reported here.
            guard source.skipReason == nil else { continue }
            let damaged = source.damagedLines
            guard source.lines > 0, damaged >= minimumDamagedLines else { continue }
            let share = Double(damaged) / Double(source.lines)
            guard share >= rejectShareMedium else { continue }
            var evidence: [(String, EvidenceValue)] = [
                ("statistic", .text("rejected line share")),
                ("value", EvidenceRounding.decimalPlaces(4).evidence(share)),
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
        return events + duplicateEvents(summary.requestSamples, sources: summary.sources)
    }

    /// The first backward episode, its window the stamps of the records behind; the entity names
    /// the file and the host its records name, so the writer whose clock or shipping to check is
    /// named.
    private func backwardsEvent(source: SourceStatistics, order: TimeOrderCheck, episode: BackwardEpisode) -> Event {
        let minutes = EvidenceRounding.fixed(Double(order.largestStepMillis) / 60_000, 1)
        let from = TimestampParser.formatRFC3339(millis: episode.previousMillis)
        let to = TimestampParser.formatRFC3339(millis: episode.firstMillis)
        let behindFrom = TimestampParser.formatRFC3339(millis: episode.earliestMillis)
        let behindTo = TimestampParser.formatRFC3339(millis: episode.latestMillis)
        var entity = EventEntity(source: source.path)
        if order.hosts.count == 1 { entity.host = order.hosts[0] }
        var evidence: [(String, EvidenceValue)] = [
            ("backward_steps", .integer(Int64(order.backwardSteps))),
            ("largest_step_seconds", .number(Double(order.largestStepMillis) / 1000)),
            ("first_step_offset", .integer(episode.offset)),
            ("first_step_from", .text(from)), ("first_step_to", .text(to)),
            ("first_episode_records", .integer(Int64(episode.records))),
            ("first_episode_stamps_from", .text(behindFrom)), ("first_episode_stamps_to", .text(behindTo)),
            ("tolerance_seconds", .number(Double(backwardToleranceMillis) / 1000)),
        ]
        if let end = episode.endOffset { evidence.append(("first_episode_end_offset", .integer(end))) }
        if !order.hosts.isEmpty { evidence.append(("hosts", .text(order.hosts.joined(separator: ", ")))) }
        let writer = order.hosts.isEmpty ? "" : " (written by \(order.hosts.joined(separator: ", ")))"
        let steps = order.backwardSteps == 1 ? "one such episode" : "\(order.backwardSteps) such episodes"
        return Event(
            type: .opsLoggingIntegrity, subtype: "time_backwards",
            severity: order.largestStepMillis >= backwardHighMillis ? .high : .medium,
            startMillis: episode.earliestMillis, endMillis: episode.latestMillis, entity: entity,
            evidence: evidence,
            message:
                "time runs backwards in \(source.path)\(writer): at decoded byte \(episode.offset) a record is stamped \(to) after one stamped \(from), and \(episode.records) records stamped \(behindFrom) to \(behindTo) follow behind (\(steps), the largest step \(minutes) min); a clock was stepped back or old lines were spliced into the file: check the writer's time sync and the log shipping.",
            count: order.backwardSteps)
    }

    /// Request ids that the sample saw more than once in one log family: a replayed file, a
    /// shipper that sent a batch twice, or two writers sharing an id generator.
    private func duplicateEvents(_ samples: RequestTimeSamples, sources: [SourceStatistics]) -> [Event] {
        struct Group {
            var ids = 0
            var copies = 0
            var first: Int64 = .max
            var last: Int64 = .min

            mutating func add(copies written: Int, at millis: Int64) {
                ids += 1
                copies += written - 1
                first = min(first, millis)
                last = max(last, millis)
            }
        }
        var groups: [EventEntity: Group] = [:]
        var sampledPerFamily: [LogKind: Int] = [:]
        for times in samples.requests.values {
            if times.inferenceCopies > 0 { sampledPerFamily[.inference, default: 0] += 1 }
            if times.accessCopies > 0 { sampledPerFamily[.access, default: 0] += 1 }
            if times.inferenceCopies > 1, let millis = times.inferenceMillis {
                groups[EventEntity(host: times.inferenceHost ?? "(no host)"), default: Group()].add(
                    copies: times.inferenceCopies, at: millis)
            }
            if times.accessCopies > 1, let millis = times.accessMillis {
                let series = times.accessSource.map { SourceStatistics.seriesName(of: sources[$0].path) } ?? "-"
                groups[EventEntity(source: series), default: Group()].add(copies: times.accessCopies, at: millis)
            }
        }
        let rate = Int(samples.sampleRate)
        return groups.compactMap { entity, group in
            let family: LogKind = entity.host != nil ? .inference : .access
            let sampled = max(1, sampledPerFamily[family] ?? 1)
            let share = Double(group.ids) / Double(sampled)
            guard group.ids >= minimumDuplicateSamples, share >= duplicateShareMedium else { return nil }
            let estimate = group.copies * rate
            let name = entity.host.map { "host \($0)" } ?? "access-log series \(entity.source ?? "-")"
            return Event(
                type: .opsLoggingIntegrity, subtype: "duplicates", severity: .medium, startMillis: group.first,
                endMillis: group.last, entity: entity,
                evidence: [
                    ("duplicated_ids_sampled", .integer(Int64(group.ids))),
                    ("extra_copies_sampled", .integer(Int64(group.copies))),
                    ("sample_rate", .text("1 in \(rate) request ids")),
                    ("estimated_duplicate_records", .integer(Int64(estimate))),
                    ("share_of_sampled_ids", EvidenceRounding.decimalPlaces(4).evidence(share)),
                ],
                message:
                    "\(name) wrote the same request ids more than once (about \(estimate) duplicate records between \(TimestampParser.formatRFC3339(millis: group.first)) and \(TimestampParser.formatRFC3339(millis: group.last))); a log was replayed or shipped twice: deduplicate before counting, and check the shipper's delivery settings.",
                count: estimate)
        }
    }
}

extension String {
    func replacingSpaces() -> String {
        String(map { $0 == " " || $0 == "-" ? "_" : $0 })
    }
}
