/// Raises `ops.logging.gap` (2022 8.15, 2013 A.12.4.1) when a log stream that wrote steadily
/// (a serving host, or an access-log series) went silent while the other streams kept writing.
///
/// For each stream, its usual share of the traffic is its records over the other streams'
/// records while it was active. A silent spell (buckets with no record) is a gap when:
/// - it lasts at least `minimumGapMillis` (10 minutes),
/// - the other streams wrote enough meanwhile that, at the stream's usual share, it should have
///   written at least `minimumExpected` records (a Poisson stream writes none of 20 expected
///   with probability e^-20: a quiet night is not a gap, a quiet afternoon is),
/// - and that expectation is at least `usualGapRatio` × the largest expectation among the
///   stream's short pauses (shorter than the minimum gap): a writer that flushes every few
///   minutes skips many records in each pause and needs a bigger silence to count.
///
/// A silence that runs from the stream's last record to the end of the others' is reported too
/// (a host stopped logging). A silence that starts where a truncated or corrupt archive holding
/// the stream's records ends is the archive's loss, already an integrity event: it is reported
/// at low.
/// For a serving host, gateway requests of the request-id sample that fall in the gap and have
/// no inference record are the supporting evidence (the host served, but did not log).
public struct LoggingGapDetector: Sendable, Equatable, ConfigurableSettings {
    public var minimumGapMillis: Int64 = 600_000
    public var minimumExpected = 20.0
    public var usualGapRatio = 2.0
    /// Streams with fewer records are too sparse to have a usual rhythm.
    public var minimumRecords = 200

    public init() {}

    struct Silence {
        var first: Int64
        var last: Int64
        var expected: Double
        var length: Int64 { last - first + 1 }
    }

    /// Buckets kept at each end of a stretch where no stream wrote (see `ActivityTimeline.axis`);
    /// nil: the minimum gap's length in buckets, which keeps every verdict: a silence that covers
    /// a shortened stretch is still at least the minimum gap long, one that does not is unchanged,
    /// and its first and last buckets (so its start, end and id) are kept. Tests set a large
    /// value to get the uncompressed axis as their oracle.
    var emptyStretchEnds: Int64?

    public func events(for summary: AnalysisSummary) -> [Event] {
        let timeline = summary.activity
        let bucket = timeline.bucketMillis
        let streams = timeline.streams.sorted()
        guard streams.count >= 2 else { return [] }
        var ranges: [ActivityStream: ClosedRange<Int64>] = [:]
        for stream in streams { ranges[stream] = timeline.activeRange(of: stream) }
        guard let globalFirst = ranges.values.map(\.lowerBound).min(),
            let globalLast = ranges.values.map(\.upperBound).max()
        else { return [] }
        let minimumBuckets = max(1, (minimumGapMillis + bucket - 1) / bucket)
        // Positions on the axis stand for its buckets: only time some stream wrote in, and the
        // ends of the stretches between (a clock glitch years ahead costs nothing in between).
        let axis = timeline.axis(
            from: globalFirst, through: globalLast, keepingEmptyStretchEnds: emptyStretchEnds ?? minimumBuckets)
        // Where a bucket some stream wrote in sits on the (ascending) axis.
        func axisIndex(of bucket: Int64) -> Int? {
            var low = 0
            var high = axis.count
            while low < high {
                let middle = (low + high) / 2
                if axis[middle] < bucket { low = middle + 1 } else { high = middle }
            }
            return low < axis.count && axis[low] == bucket ? low : nil
        }
        let all = streams.map { timeline.counts(of: $0, at: axis) }
        // Peers are the streams of the same log family (other hosts, other gateways): the access
        // log's health checks and scrapes would otherwise make every hour look busy. A stream
        // with no peer of its family is compared with the other family.
        var familyTotals: [LogKind: [Double]] = [:]
        var familyStreams: [LogKind: Int] = [:]
        for (position, stream) in streams.enumerated() {
            familyStreams[stream.kind, default: 0] += 1
            var totals = familyTotals[stream.kind] ?? [Double](repeating: 0, count: all[position].count)
            for index in totals.indices { totals[index] += Double(all[position][index]) }
            familyTotals[stream.kind] = totals
        }
        let everything = familyTotals.values.reduce(into: [Double](repeating: 0, count: all.first?.count ?? 0)) {
            for index in $0.indices { $0[index] += $1[index] }
        }

        var events: [Event] = []
        for (position, stream) in streams.enumerated() {
            guard let range = ranges[stream] else { continue }
            let own = all[position]
            let ownTotal = own.reduce(0.0) { $0 + Double($1) }
            guard ownTotal >= Double(minimumRecords) else { continue }
            let totals = (familyStreams[stream.kind] ?? 0) >= 2 ? familyTotals[stream.kind]! : everything
            guard let first = axisIndex(of: range.lowerBound), let last = axisIndex(of: range.upperBound) else {
                continue
            }
            var peersWhileActive = 0.0
            for index in first...last { peersWhileActive += totals[index] - Double(own[index]) }
            guard peersWhileActive > 0 else { continue }
            let share = ownTotal / peersWhileActive
            // Silent spells inside the active range, plus the tail after the last record while the others go on.
            var silences: [Silence] = []
            var index = first
            let end = totals.count - 1
            while index <= end {
                guard own[index] == 0 else {
                    index += 1
                    continue
                }
                let start = index
                var peers = 0.0
                while index <= end && own[index] == 0 {
                    peers += totals[index] - Double(own[index])
                    index += 1
                }
                // The tail ends where the others' traffic ends.
                var stop = index - 1
                if index > end {
                    while stop > start && totals[stop] == 0 { stop -= 1 }
                }
                silences.append(Silence(first: Int64(start), last: Int64(stop), expected: share * peers))
            }
            // The stream's own rhythm: how many records its ordinary short pauses skip.
            let usualSkipped = silences.filter { $0.length < minimumBuckets }.map(\.expected).max() ?? 0
            for silence in silences
            where silence.length >= minimumBuckets && silence.expected >= minimumExpected
                && silence.expected >= usualGapRatio * usualSkipped
            {
                let startMillis = axis[Int(silence.first)] * bucket
                let endMillis = (axis[Int(silence.last)] + 1) * bucket
                events.append(
                    event(
                        stream: stream, silence: silence, startMillis: startMillis, endMillis: endMillis,
                        usualSkipped: usualSkipped, summary: summary))
            }
        }
        return events
    }

    private func event(
        stream: ActivityStream, silence: Silence, startMillis: Int64, endMillis: Int64, usualSkipped: Double,
        summary: AnalysisSummary
    ) -> Event {
        let bucket = summary.activity.bucketMillis
        let minutes = Double(endMillis - startMillis) / 60_000
        let entity = stream.isHost ? EventEntity(host: stream.name) : EventEntity(source: stream.name)
        let what = stream.isHost ? "host \(stream.name)" : "log series \(stream.name)"
        var evidence: [(String, EvidenceValue)] = [
            ("silent_minutes", EvidenceRounding.decimalPlaces(1).evidence(minutes)),
            ("expected_records", .integer(Int64(silence.expected.rounded()))),
            ("threshold_expected", .number(minimumExpected)),
            ("usual_pause_expected_records", EvidenceRounding.decimalPlaces(1).evidence(usualSkipped)),
            ("bucket_seconds", .integer(bucket / 1000)),
        ]
        var message =
            "\(what) wrote nothing for \(EvidenceRounding.fixed(minutes, 0)) min while the other logs went on (about \(Int(silence.expected.rounded())) records expected at its usual share)"
        if stream.kind == .inference {
            var requests = 0
            var unlogged = 0
            for times in summary.requestSamples.requests.values {
                guard let access = times.accessMillis, access >= startMillis, access < endMillis else { continue }
                requests += 1
                if times.inferenceMillis == nil { unlogged += 1 }
            }
            if requests > 0 {
                evidence.append(("gateway_requests_sampled", .integer(Int64(requests))))
                evidence.append(("gateway_requests_without_inference_record", .integer(Int64(unlogged))))
                message +=
                    "; \(unlogged) of \(requests) sampled gateway requests in that time have no inference record"
            }
        }
        // A damaged archive of this stream (one that holds the host's records, or of the series)
        // whose last record is where the silence starts.
        let damaged = summary.sources.indices.filter { index in
            let source = summary.sources[index]
            guard let ending = source.gzipEnding, ending != .complete, source.lastMillis != .min else { return false }
            return abs(source.lastMillis - startMillis) <= 2 * bucket
        }
        let truncated = damaged.contains { index in
            stream.isHost
                ? summary.windows.keys.contains { $0.source == index && $0.host == stream.name }
                : SourceStatistics.seriesName(of: summary.sources[index].path) == stream.name
        }
        if truncated {
            evidence.append(("explained_by", .text("a damaged archive ends where the silence starts")))
            message +=
                ". It starts where a damaged archive ends: the records are lost with the archive (see the integrity event)."
        } else {
            message += ": find out whether the logger or its shipping stopped, and recover the missing records."
        }
        return Event(
            type: .opsLoggingGap, severity: truncated ? .low : (minutes >= 60 ? .high : .medium),
            startMillis: startMillis, endMillis: endMillis, entity: entity, evidence: evidence, message: message)
    }
}
