import Foundation
import Testing

@testable import ModelWatchCore

/// The logging-gap detector reads its streams on an axis of the time they wrote, not of every
/// minute their stamps span: the oracle is the same detector on the whole minute-by-minute
/// axis, and the bound is a stream with records stamped in 1971 and 2100.
@Suite struct LoggingGapAxisTests {
    static let minute: Int64 = 60_000
    static let base: Int64 = 1_795_000_000_000 - 1_795_000_000_000 % 86_400_000

    /// A generator of the given seed (SplitMix64), so each trial is reproducible.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// Two to four hosts and a gateway series over up to three days, with shutdowns where
    /// nobody writes (hours to a day), silences of single streams (minutes to hours) and now and
    /// then a lone record far from the others (a clock glitch), all at random.
    static func summary(seed: UInt64) -> AnalysisSummary {
        var random = Random(state: seed)
        var summary = AnalysisSummary(windowMillis: minute, sources: [])
        let hosts = 2 + random.below(3)
        var streams = (0..<hosts).map { ActivityStream(kind: .inference, name: "inf-\($0)", isHost: true) }
        streams.append(ActivityStream(kind: .access, name: "gateway/access", isHost: false))
        let minutes = 600 + random.below(3 * 1_440)
        var shutdowns: [Range<Int>] = []
        for _ in 0..<random.below(3) {
            let start = random.below(minutes)
            shutdowns.append(start..<(start + 30 + random.below(1_440)))
        }
        var silences: [Int: [Range<Int>]] = [:]
        for index in streams.indices {
            for _ in 0..<random.below(4) {
                let start = random.below(minutes)
                silences[index, default: []].append(start..<(start + 1 + random.below(180)))
            }
        }
        for minute in 0..<minutes where !shutdowns.contains(where: { $0.contains(minute) }) {
            for (index, stream) in streams.enumerated()
            where !(silences[index] ?? []).contains(where: { $0.contains(minute) }) {
                let perMinute = stream.isHost ? 2 + random.below(6) : 10 + random.below(10)
                for call in 0..<perMinute {
                    summary.activity.add(stream, at: base + Int64(minute) * Self.minute + Int64(call) * 1_000)
                }
            }
        }
        if random.below(2) == 0 {
            let glitch = streams[random.below(streams.count)]
            let away = Int64(minutes + 60 + random.below(2 * 1_440)) * Self.minute
            summary.activity.add(glitch, at: random.below(2) == 0 ? base + away : base - away)
        }
        return summary
    }

    @Test(arguments: 1...40)
    func theShortenedAxisGivesTheEventsOfTheWholeOne(seed: Int) {
        let summary = Self.summary(seed: UInt64(seed))
        var whole = LoggingGapDetector()
        whole.emptyStretchEnds = .max
        let expected = whole.events(for: summary)
        let events = LoggingGapDetector().events(for: summary)
        #expect(events.map(EventJSON.line(for:)) == expected.map(EventJSON.line(for:)))
    }

    @Test func theOraclesFindGapsAtAll() {
        // Some trials must have gaps, or the comparison above proves nothing.
        let found = (1...40).filter { !LoggingGapDetector().events(for: Self.summary(seed: UInt64($0))).isEmpty }
        #expect(found.count >= 10)
    }

    /// One day of two hosts and records stamped in 1971 and 2100: the axis holds the day's
    /// minutes and a few buckets per stretch, not 129 years of minutes per stream (about 68
    /// million buckets, gigabytes of counts), and the day's gap is still found.
    @Test func recordsStampedDecadesAwayCostNothingInBetween() {
        var summary = AnalysisSummary(windowMillis: Self.minute, sources: [])
        let hosts = ["h1", "h2"].map { ActivityStream(kind: .inference, name: $0, isHost: true) }
        for minute in 0..<1_440 {
            for host in hosts where !(host.name == "h2" && (600..<640).contains(minute)) {
                for call in 0..<10 {
                    summary.activity.add(host, at: Self.base + Int64(minute) * Self.minute + Int64(call) * 5_000)
                }
            }
        }
        summary.activity.add(hosts[0], at: 31_536_000_000)  // 1971-01-01
        summary.activity.add(hosts[1], at: 4_102_444_800_000)  // 2100-01-01
        let timeline = summary.activity
        let first = 31_536_000_000 / Self.minute
        let last = 4_102_444_800_000 / Self.minute
        let axis = timeline.axis(from: first, through: last, keepingEmptyStretchEnds: 10)
        #expect(axis.count < 1_440 + 4 * 64 + 40)
        #expect(axis == axis.sorted() && Set(axis).count == axis.count)
        let events = LoggingGapDetector().events(for: summary)
        #expect(events.contains { $0.entity.host == "h2" && $0.startMillis == Self.base + 600 * Self.minute })
    }

    @Test func theAxisKeepsEveryWrittenBucketAndTheEndsOfEachStretch() {
        var timeline = ActivityTimeline<String>()
        for minute: Int64 in [0, 1, 2, 500, 501, 10_000] { timeline.add("s", at: Self.base + minute * Self.minute) }
        let first = Self.base / Self.minute
        let axis = timeline.axis(from: first, through: first + 10_000, keepingEmptyStretchEnds: 3)
        // Every bucket of the written blocks (64 buckets each, the block of minute 0 starts at or
        // before it) within the range, and 3 buckets at each end of the stretches between.
        for minute: Int64 in [0, 1, 2, 500, 501, 10_000] { #expect(axis.contains(first + minute)) }
        #expect(axis.count < 6 * 64 + 4 * 3)
        let counts = timeline.counts(of: "s", at: axis)
        #expect(counts.reduce(0) { $0 + Int($1) } == 6)
    }
}
