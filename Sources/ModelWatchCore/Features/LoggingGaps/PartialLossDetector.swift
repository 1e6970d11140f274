import Foundation

/// Raises `ops.logging.gap.partial` (2022 8.15, 2013 A.12.4.1) when a serving host kept writing
/// but lost part of its audit records: its inference stream fell to a fraction of its usual
/// share of the gateway's traffic (and of its peers' traffic) for a while, and gateway requests
/// of that time reached no inference record more often than usual.
///
/// The silence detector (`LoggingGapDetector`) sees only streams that stop; a host that logs one
/// client in seven, or whose shipper drops most lines, is never silent. Volume alone misleads:
/// a host drained for maintenance, a batch job on a peer, or one client that fills a host all
/// move a host's share of its peers without a record being lost. So the verdict needs the join
/// by request id (`RequestTimeSamples`, a hash sample both log families keep alike): requests the
/// gateway logged whose id reached no inference log are the lost records themselves, and the
/// volume drop only says where and when to look. A drained host loses no record (its requests
/// were logged by the peers that served them), so it raises nothing.
///
/// The test, per inference host, on `windowMillis` windows:
/// - its usual shares are medians over windows (robust to the drop itself and to short
///   surges) of its records over the gateway's, and over its peers' (the other hosts);
/// - a window is short when the host wrote less than `dropFraction` of its usual share of the
///   gateway's records and, if it has peers, of its peers' (unless the peers fell against the
///   gateway as much: a loss across the fleet);
/// - a run of short windows lasting at least `minimumLossMillis`, in which the host did write
///   (a silence is the gap detector's), is a drop when its records are improbably few at the
///   usual share of the gateway (Poisson lower tail below e^`volumeLogBound`);
/// - and it is reported only when the sampled gateway requests of the run went unjoined
///   improbably often against the share unjoined in the hours around it (Poisson upper tail
///   below e^`joinLogBound`). The excess unjoined requests, scaled by the sample rate, estimate
///   the lost records.
///
/// Without an access log with request ids there is no join, and nothing is raised: a drop in
/// volume alone cannot tell a loss from a drain.
public struct PartialLossDetector: Sendable, Equatable, ConfigurableSettings {
    /// Five minutes: the ops windows' length (`CapacityWindows`), long enough that a host at a
    /// few records a minute has a share to compare, short enough to place a 20-minute loss.
    public var windowMillis: Int64 = 300_000
    /// A window is short below half the usual share: a daily cycle moves every stream's share
    /// together (so not at all), and a host that lost a seventh of its records (the issue's
    /// case) is far below; noise at five minutes rarely halves a window's count at 20+ expected.
    public var dropFraction = 0.5
    /// Twenty minutes: shorter drops are a shipper's flush rhythm as often as a loss, and hold
    /// too few sampled gateway requests to judge the join.
    public var minimumLossMillis: Int64 = 1_200_000
    /// Windows whose reference (gateway or peers) wrote fewer records give no share estimate.
    public var minimumReferenceRecords = 20.0
    /// e^-20, the silence detector's bar (`LoggingGapDetector.minimumExpected`): a run of short
    /// windows is a drop only when that few records at the usual share would be that unlikely.
    public var volumeLogBound = -20.0
    /// e^-10 for the join: it is tested only on the few runs that are already improbable drops.
    public var joinLogBound = -10.0
    /// The unjoined share that a run's is compared with is taken over this much time either side
    /// (three hours): the share of gateway requests that reach no model (4xx, scanners) follows
    /// the time of day.
    public var baselineMarginMillis: Int64 = 3 * 3_600_000
    /// Hosts with fewer records are too sparse to have a usual share.
    public var minimumRecords = 200
    /// At most this many windows (a year and a quarter of five-minute ones, 1 MiB of counts per
    /// stream): a longer span, or stray stamps far apart, widen the windows instead.
    public var maximumWindows = 131_072

    public init() {}

    /// One run of short windows: window indexes `first...last` of the aligned grid.
    struct Run {
        var first: Int
        var last: Int
        var observed = 0.0
        var expected = 0.0
    }

    /// A host's improbable drop in volume, before the join is asked whether records were lost.
    struct Drop {
        var host: String
        var run: Run
        var startMillis: Int64
        var endMillis: Int64
    }

    /// The events for `summary`; `silences` are the gap detector's events, whose hosts' silent
    /// spells are not partial losses.
    public func events(for summary: AnalysisSummary, silences: [Event] = []) -> [Event] {
        drops(in: summary, silences: silences).compactMap { joinedEvent(for: $0, summary: summary) }
    }

    /// The volume test alone: runs of short windows that are improbable at the host's usual
    /// share of the gateway, outside the host's silences.
    func drops(in summary: AnalysisSummary, silences: [Event]) -> [Drop] {
        let timeline = summary.activity
        let bucket = timeline.bucketMillis
        let streams = timeline.streams.sorted()
        let hosts = streams.filter { $0.kind == .inference && $0.isHost }
        let gateways = streams.filter { $0.kind == .access }
        guard !hosts.isEmpty, !gateways.isEmpty, !summary.requestSamples.requests.isEmpty else { return [] }
        let ranges = streams.compactMap { timeline.activeRange(of: $0) }
        guard let rangeFirst = ranges.map(\.lowerBound).min(), let rangeLast = ranges.map(\.upperBound).max()
        else { return [] }
        // Windows widen when the span would need more than `maximumWindows` of them.
        let span = rangeLast - rangeFirst + 1
        let perWindow = max(1, windowMillis / bucket, (span + Int64(maximumWindows) - 1) / Int64(maximumWindows))
        let first = ChunkAggregator.floor(rangeFirst, to: perWindow)
        let windowCount = Int((rangeLast - first) / perWindow + 1)
        func windows(of stream: ActivityStream) -> [Double] {
            timeline.windowTotals(of: stream, from: first, bucketsPerWindow: perWindow, count: windowCount)
        }
        let gateway = gateways.map(windows).reduce(into: [Double](repeating: 0, count: windowCount)) {
            for index in $0.indices { $0[index] += $1[index] }
        }
        let hostWindows = hosts.map(windows)
        let windowMillis = perWindow * bucket
        var drops: [Drop] = []
        for (position, host) in hosts.enumerated() {
            let own = hostWindows[position]
            guard own.reduce(0, +) >= Double(minimumRecords), let active = timeline.activeRange(of: host) else {
                continue
            }
            let activeFirst = Int((ChunkAggregator.floor(active.lowerBound, to: perWindow) - first) / perWindow)
            let activeLast = Int((ChunkAggregator.floor(active.upperBound, to: perWindow) - first) / perWindow)
            var peers = [Double](repeating: 0, count: windowCount)
            for (other, counts) in hostWindows.enumerated() where other != position {
                for index in peers.indices { peers[index] += counts[index] }
            }
            let hasPeers = hosts.count > 1
            let activeWindows = activeFirst...activeLast
            guard let gatewayShare = usualShare(own, of: gateway, in: activeWindows) else { continue }
            let peerShare = hasPeers ? usualShare(own, of: peers, in: activeWindows) : nil
            let peersGatewayShare = hasPeers ? usualShare(peers, of: gateway, in: activeWindows) : nil
            func short(_ index: Int) -> Bool {
                guard gateway[index] >= minimumReferenceRecords,
                    own[index] < dropFraction * gatewayShare * gateway[index]
                else { return false }
                guard let peerShare, peers[index] >= minimumReferenceRecords else { return !hasPeers }
                if own[index] < dropFraction * peerShare * peers[index] { return true }
                // The peers fell against the gateway too: the loss is the fleet's.
                return peersGatewayShare.map { peers[index] < dropFraction * $0 * gateway[index] } ?? false
            }
            var runs: [Run] = []
            var index = activeFirst
            while index <= activeLast {
                guard short(index) else {
                    index += 1
                    continue
                }
                var run = Run(first: index, last: index)
                while index <= activeLast && short(index) {
                    run.last = index
                    run.observed += own[index]
                    run.expected += gatewayShare * gateway[index]
                    index += 1
                }
                runs.append(run)
            }
            let minimumWindows = Int((minimumLossMillis + windowMillis - 1) / windowMillis)
            for run in runs where run.last - run.first + 1 >= minimumWindows && run.observed > 0 {
                guard Self.lowerTailLogBound(observed: run.observed, mean: run.expected) <= volumeLogBound else {
                    continue
                }
                let startMillis = (first + Int64(run.first) * perWindow) * bucket
                let endMillis = (first + Int64(run.last + 1) * perWindow) * bucket
                let silent = silences.contains {
                    $0.entity.host == host.name && $0.startMillis < endMillis && $0.endMillis > startMillis
                }
                if !silent {
                    drops.append(Drop(host: host.name, run: run, startMillis: startMillis, endMillis: endMillis))
                }
            }
        }
        return drops
    }

    /// The median over windows in `range` of `own / reference`, where the reference wrote at
    /// least `minimumReferenceRecords`; nil when no window did or the median is zero.
    func usualShare(_ own: [Double], of reference: [Double], in range: ClosedRange<Int>) -> Double? {
        var shares: [Double] = []
        for index in range where reference[index] >= minimumReferenceRecords {
            shares.append(own[index] / reference[index])
        }
        guard !shares.isEmpty else { return nil }
        shares.sort()
        let middle = shares.count / 2
        let median = shares.count % 2 == 1 ? shares[middle] : (shares[middle - 1] + shares[middle]) / 2
        return median > 0 ? median : nil
    }

    /// Chernoff's bound on log P(X ≤ observed) for X Poisson with `mean`:
    /// observed − mean + observed·ln(mean / observed) when observed < mean (−mean at zero), else 0.
    static func lowerTailLogBound(observed: Double, mean: Double) -> Double {
        guard observed < mean else { return 0 }
        guard observed > 0 else { return -mean }
        return observed - mean + observed * log(mean / observed)
    }

    /// Chernoff's bound on log P(X ≥ observed) for X Poisson with `mean`:
    /// observed − mean − observed·ln(observed / mean) when observed > mean, else 0.
    static func upperTailLogBound(observed: Double, mean: Double) -> Double {
        guard observed > mean else { return 0 }
        guard mean > 0 else { return -.infinity }
        return observed - mean - observed * log(observed / mean)
    }

    /// The event for a drop whose gateway requests went unjoined improbably often, or nil.
    private func joinedEvent(for drop: Drop, summary: AnalysisSummary) -> Event? {
        let (host, run, startMillis, endMillis) = (drop.host, drop.run, drop.startMillis, drop.endMillis)
        var sampled = 0.0
        var unjoined = 0.0
        var aroundSampled = 0.0
        var aroundUnjoined = 0.0
        for times in summary.requestSamples.requests.values {
            guard let access = times.accessMillis else { continue }
            let missing = times.inferenceMillis == nil ? 1.0 : 0.0
            if access >= startMillis && access < endMillis {
                sampled += 1
                unjoined += missing
            } else if access >= startMillis - baselineMarginMillis && access < endMillis + baselineMarginMillis {
                aroundSampled += 1
                aroundUnjoined += missing
            }
        }
        guard sampled > 0, aroundSampled > 0 else { return nil }
        let usualUnjoined = aroundUnjoined / aroundSampled
        // Half a request when none around went unjoined: a share of exactly zero would make any
        // unjoined request infinitely improbable.
        let expectedUnjoined = max(usualUnjoined * sampled, 0.5)
        guard Self.upperTailLogBound(observed: unjoined, mean: expectedUnjoined) <= joinLogBound else { return nil }
        let rate = Double(summary.requestSamples.sampleRate)
        let lost = (unjoined - usualUnjoined * sampled) * rate
        let deficit = run.expected - run.observed
        let minutes = Double(endMillis - startMillis) / 60_000
        let percent = 100 * run.observed / run.expected
        let estimate = rate > 1 ? "≈" : ""
        let evidence: [(String, EvidenceValue)] = [
            ("minutes", EvidenceRounding.decimalPlaces(1).evidence(minutes)),
            ("records", .integer(Int64(run.observed))),
            ("expected_records", .integer(Int64(run.expected.rounded()))),
            ("share_of_usual", EvidenceRounding.decimalPlaces(3).evidence(run.observed / run.expected)),
            ("missing_records_estimate", .integer(Int64(deficit.rounded()))),
            ("gateway_requests_sampled", .integer(Int64(sampled))),
            ("gateway_requests_without_inference_record", .integer(Int64(unjoined))),
            ("usual_share_without_inference_record", EvidenceRounding.decimalPlaces(3).evidence(usualUnjoined)),
            ("request_sample_rate", .integer(Int64(rate))),
            ("lost_records_estimate", .integer(Int64(lost.rounded()))),
        ]
        let message =
            "host \(host) kept writing but only ≈\(EvidenceRounding.fixed(percent, 0))% of its usual share for \(EvidenceRounding.fixed(minutes, 0)) min (\(Int64(run.observed)) records where ≈\(Int64(run.expected.rounded())) were expected); \(Int64(unjoined)) of \(Int64(sampled)) sampled gateway requests in that time reached no inference record (usually \(EvidenceRounding.fixed(100 * usualUnjoined, 1))%): \(estimate)\(Int64(lost.rounded())) requests' audit records lost. Find out what drops this host's records (logger, shipper, disk) and recover them from the gateway."
        return Event(
            type: .opsLoggingGap, subtype: "partial", severity: minutes >= 60 ? .high : .medium,
            startMillis: startMillis, endMillis: endMillis, entity: EventEntity(host: host), evidence: evidence,
            message: message)
    }
}
