import Foundation
import Testing

@testable import ModelWatchCore

/// Capacity, logging gaps, time running backwards, duplicate request ids and 4xx path bursts,
/// each on a crafted input with the incident and on the same input without it.
@Suite struct OperationsDetectorTests {
    /// 2026-11-17T00:00:00Z in milliseconds; Python: calendar.timegm((2026, 11, 17, 0, 0, 0)) * 1000.
    static let base: Int64 = 1_794_873_600_000
    static let minute: Int64 = 60_000

    /// A small deterministic generator (SplitMix64), so fixtures are the same on every run.
    struct Random {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    static func inferenceLine(
        millis: Int64, model: String = "m", host: String = "h1", latency: Double = 10, status: Int = 200,
        requestID: String? = nil
    ) -> String {
        let rid = requestID.map { #","request_id":"\#($0)""# } ?? ""
        return
            #"{"ts":\#(millis)\#(rid),"model":"\#(model)","host":"\#(host)","latency_ms":\#(latency),"status":\#(status)}"#
    }

    static func write(_ lines: [String], _ name: String, in folder: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent(name))
    }

    static func analyze(_ folder: URL, threads: Int = 2, chunkSize: Int? = nil) throws -> AnalysisSummary {
        try TestSupport.analyze([folder.path], threads: threads) { options in
            if let chunkSize { options.chunkSize = chunkSize }
        }
    }

    // MARK: capacity

    /// Six hours of one model at a daily-cycle volume (4 to 40 calls a minute), latency about
    /// 10 ms; `incident` makes 14:00-14:30 slow (×6) with 20% 503s; `blip` makes one 5-minute
    /// window slow.
    static func capacityFixture(incident: Bool, blip: Bool) throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var random = Random(state: 7)
        var lines: [String] = []
        for minute in 0..<360 {
            let start = base + 10 * 3_600_000 + Int64(minute) * Self.minute
            let hourOfRun = Double(minute) / 60
            let calls = Int(4 + 36 * (0.5 - 0.5 * cos(hourOfRun / 6 * 2 * Double.pi)))
            for call in 0..<calls {
                let millis = start + Int64(call) * Self.minute / Int64(calls)
                var latency = 8 + 4 * random.next() + (random.next() < 0.05 ? 10 * random.next() : 0)
                var status = random.next() < 0.01 ? 500 : 200
                let inIncident = incident && minute >= 240 && minute < 270
                let inBlip = blip && minute >= 120 && minute < 124
                if inIncident || inBlip { latency *= 6 }
                if inIncident && random.next() < 0.2 { status = 503 }
                lines.append(inferenceLine(millis: millis, latency: (latency * 10).rounded() / 10, status: status))
            }
        }
        try write(lines, "capacity.jsonl", in: folder)
        return folder
    }

    @Test func sustainedSaturationIsOneEventAndADailyCycleOrABlipIsNot() throws {
        let folder = try Self.capacityFixture(incident: true, blip: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let events = CapacityDetector().events(for: try Self.analyze(folder))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.typeName == "ops.capacity.saturation")
        #expect(event.entity == EventEntity(model: "m"))
        // 14:00 to 14:30, in 5-minute windows.
        #expect(event.startMillis == Self.base + 14 * 3_600_000)
        #expect(event.endMillis == Self.base + 14 * 3_600_000 + 30 * Self.minute)
        #expect(event.count == 6)
        #expect(event.severity == .high)

        let quiet = try Self.capacityFixture(incident: false, blip: true)
        defer { try? FileManager.default.removeItem(at: quiet) }
        #expect(CapacityDetector().events(for: try Self.analyze(quiet)).isEmpty)
        #expect(CapacityDetector().events(for: try TestSupport.analyze([SampleArchiveTests.samples.path])).isEmpty)
    }

    @Test func quarterOctaveQuantilesStayWithinTenPercent() {
        var histogram = QuarterOctaveHistogram()
        var values: [Double] = []
        var random = Random(state: 3)
        for _ in 0..<10_000 {
            let value = exp(2 + random.next() * 4)
            values.append(value)
            histogram.record(value)
        }
        values.sort()
        for q in [0.5, 0.95, 0.99] {
            let exact = values[Int((q * Double(values.count)).rounded(.up)) - 1]
            let estimate = histogram.quantile(q) ?? 0
            #expect(abs(estimate - exact) / exact <= 0.1, "q=\(q): \(estimate) vs \(exact)")
        }
    }

    @Test func capacityWindowsMergeToTheSameTableAsOneWorker() {
        var whole = CapacityWindows<String>(windowMillis: 300_000, budget: 40 * CapacityWindow.footprint)
        var left = whole
        var right = whole
        for index in 0..<2_000 {
            let millis = Self.base + Int64(index) * 17_000
            whole.add(model: "m", status: index % 9 == 0 ? 503 : 200, latencyMillis: Double(index % 50), at: millis)
            if index % 2 == 0 {
                left.add(model: "m", status: index % 9 == 0 ? 503 : 200, latencyMillis: Double(index % 50), at: millis)
            } else {
                right.add(model: "m", status: index % 9 == 0 ? 503 : 200, latencyMillis: Double(index % 50), at: millis)
            }
        }
        left.merge(right)
        // 2,000 × 17 s spans 9.4 hours: 114 five-minute windows do not fit 40, 38 of 15
        // minutes do, on both sides.
        #expect(whole.windowMillis == 900_000)
        #expect(left.windowMillis == whole.windowMillis)
        #expect(left.windows == whole.windows)
    }

    // MARK: logging gaps

    /// Two hosts writing about 12 records a minute each from 08:00 to 20:00, night-like trickle
    /// before; `gapHost` writes nothing from 15:00 to 15:40.
    static func gapFixture(gapHost: String?) throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        for host in ["h1", "h2"] {
            var random = Random(state: host == "h1" ? 11 : 12)
            var lines: [String] = []
            for minute in 0..<(20 * 60) {
                let start = base + Int64(minute) * Self.minute
                let perMinute = minute < 8 * 60 ? 0.05 : 12
                if host == gapHost && minute >= 15 * 60 && minute < 15 * 60 + 40 { continue }
                var count = Int(perMinute)
                if perMinute < 1 { count = random.next() < perMinute ? 1 : 0 }
                for call in 0..<count {
                    lines.append(inferenceLine(millis: start + Int64(call) * 4_000, host: host))
                }
            }
            try write(lines, "\(host).jsonl", in: folder)
        }
        return folder
    }

    @Test func aHostSilentWhileItsPeerWritesIsAGapAndAQuietNightIsNot() throws {
        let folder = try Self.gapFixture(gapHost: "h2")
        defer { try? FileManager.default.removeItem(at: folder) }
        let events = LoggingGapDetector().events(for: try Self.analyze(folder))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.entity == EventEntity(host: "h2"))
        #expect(event.startMillis == Self.base + 15 * 3_600_000)
        #expect(event.endMillis == Self.base + 15 * 3_600_000 + 40 * Self.minute)

        let steady = try Self.gapFixture(gapHost: nil)
        defer { try? FileManager.default.removeItem(at: steady) }
        #expect(LoggingGapDetector().events(for: try Self.analyze(steady)).isEmpty)
    }

    /// A host whose archive is cut is silent from the cut on: that silence is the archive's loss
    /// (low, explained). Another host that falls silent at the same minute, with intact logs,
    /// is not explained by it (medium).
    @Test func aSilenceWhereADamagedArchiveOfTheHostEndsIsExplained() throws {
        let folder = try Self.gapFixture(gapHost: nil)
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = try Data(contentsOf: folder.appendingPathComponent("h2.jsonl"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("h2.jsonl"))
        let compressed = try TestSupport.gzip(whole)
        try compressed.prefix(compressed.count * 3 / 4).write(to: folder.appendingPathComponent("h2.jsonl.gz"))
        let cut = try #require(
            try Self.analyze(folder).sources.first { $0.path.hasSuffix("h2.jsonl.gz") }?.lastMillis)
        // h3 goes quiet for 40 minutes from the minute after h2's last record.
        let quietFrom = (cut / Self.minute + 1) * Self.minute
        var lines: [String] = []
        for minute in (8 * 60)..<(20 * 60) {
            let start = Self.base + Int64(minute) * Self.minute
            if start >= quietFrom && start < quietFrom + 40 * Self.minute { continue }
            for call in 0..<12 { lines.append(Self.inferenceLine(millis: start + Int64(call) * 4_000, host: "h3")) }
        }
        try Self.write(lines, "h3.jsonl", in: folder)
        let events = LoggingGapDetector().events(for: try Self.analyze(folder))
        let byHost = Dictionary(grouping: events) { $0.entity.host ?? "" }
        let lost = try #require(byHost["h2"]?.first)
        #expect(lost.severity == .low)
        #expect(lost.evidence.contains { $0.0 == "explained_by" })
        let quiet = try #require(byHost["h3"]?.first)
        #expect(quiet.severity == .medium)
        #expect(!quiet.evidence.contains { $0.0 == "explained_by" })
        #expect(byHost["h1"] == nil)
    }

    @Test func theSamplesGapIsFound() throws {
        let events = LoggingGapDetector().events(for: try TestSupport.analyze([SampleArchiveTests.samples.path]))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.entity == EventEntity(host: "inf-2"))
        // samples/README.md: inf-2 writes nothing 2026-11-17 03:00-03:40.
        #expect(event.startMillis == Self.base + 3 * 3_600_000)
        #expect(abs(event.endMillis - (Self.base + 3 * 3_600_000 + 40 * Self.minute)) <= Self.minute)
    }

    @Test func activityTimelineCoarsensAndMergesWithoutLosingCounts() {
        var whole = ActivityTimeline<String>(maximumBlocks: 8)
        var left = ActivityTimeline<String>(maximumBlocks: 8)
        var right = ActivityTimeline<String>(maximumBlocks: 8)
        for index in 0..<5_000 {
            let millis = Self.base + Int64(index) * 45_000
            whole.add("s", at: millis)
            if index % 3 == 0 { left.add("s", at: millis) } else { right.add("s", at: millis) }
        }
        left.merge(right)
        #expect(whole.bucketMillis > 60_000)
        #expect(left.bucketMillis == whole.bucketMillis)
        let range = try? #require(whole.activeRange(of: "s"))
        let counts = whole.counts(of: "s", from: range!.lowerBound, through: range!.upperBound)
        #expect(counts.reduce(0) { $0 + Int($1) } == 5_000)
        #expect(left.counts(of: "s", from: range!.lowerBound, through: range!.upperBound) == counts)
    }

    // MARK: time running backwards

    /// One source writing a record every 10 s for 3 hours; with `splice`, the 09:00-09:30 block
    /// is written after 10:00's records. Lines carry a jitter of up to 20 s either way.
    static func orderFixture(splice: Bool) throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var random = Random(state: 5)
        var early: [String] = []
        var rest: [String] = []
        for index in 0..<(3 * 360) {
            let millis = base + 8 * 3_600_000 + Int64(index) * 10_000 + Int64((random.next() - 0.5) * 40_000)
            let line = inferenceLine(millis: millis)
            if splice && millis >= base + 9 * 3_600_000 && millis < base + 9 * 3_600_000 + 30 * Self.minute {
                early.append(line)
            } else {
                rest.append(line)
            }
            if splice && index == 2 * 360 {
                rest += early
                early = []
            }
        }
        try write(rest, "host.jsonl", in: folder)
        return folder
    }

    @Test(arguments: [256, 4_096, 1 << 20])
    func timeRunningBackwardsIsFoundAcrossChunkBoundaries(chunkSize: Int) throws {
        let folder = try Self.orderFixture(splice: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try Self.analyze(folder, chunkSize: chunkSize)
        let events = IntegrityDetector().events(for: summary).filter { $0.subtype == "time_backwards" }
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.entity.source?.hasSuffix("host.jsonl") == true)
        let evidence = Dictionary(uniqueKeysWithValues: event.evidence)
        guard case .number(let step) = evidence["largest_step_seconds"] else {
            Issue.record("no step")
            return
        }
        // From about 10:00 back to about 09:00.
        #expect(step > 55 * 60 && step < 65 * 60)
        guard case .integer(let offset) = evidence["first_step_offset"] else {
            Issue.record("no offset")
            return
        }
        // Oracle: the whole file in one pass, the first line more than a minute behind the latest before it.
        let text = try String(contentsOf: folder.appendingPathComponent("host.jsonl"), encoding: .utf8)
        var latest = Int64.min
        var position = 0
        var expectedOffset: Int?
        for line in text.split(separator: "\n") {
            let millis = Int64(line.dropFirst(6).prefix(13))!
            if expectedOffset == nil && latest != .min && millis < latest - 60_000 { expectedOffset = position }
            latest = max(latest, millis)
            position += line.utf8.count + 1
        }
        #expect(offset == Int64(try #require(expectedOffset)))

        let ordered = try Self.orderFixture(splice: false)
        defer { try? FileManager.default.removeItem(at: ordered) }
        let quiet = IntegrityDetector().events(for: try Self.analyze(ordered, chunkSize: chunkSize))
        #expect(quiet.filter { $0.subtype == "time_backwards" }.isEmpty)
    }

    @Test func ledgerJoinsSegmentsInAnyOrder() {
        var segments: [TimeOrderSegment] = []
        for sequence in 0..<6 {
            var segment = TimeOrderSegment(sourceIndex: 0, sequence: sequence)
            // Chunk 4 starts an hour behind chunk 3's latest stamp.
            let start: Int64 = sequence >= 4 ? Int64(sequence) * 1_000_000 - 3_600_000 : Int64(sequence) * 1_000_000
            for step in 0..<10 {
                segment.add(start + Int64(step) * 1_000, offset: Int64(sequence * 100 + step))
            }
            segments.append(segment)
        }
        for order in [[0, 1, 2, 3, 4, 5], [5, 3, 1, 0, 4, 2], [2, 4, 0, 5, 1, 3]] {
            var ledger = TimeOrderLedger(toleranceMillis: 60_000)
            for index in order { ledger.add(segments[index]) }
            let result = ledger.result()[0]
            #expect(result?.backwardSteps == 1)
            #expect(result?.firstEpisode?.offset == 400)
            #expect(result?.nextSequence == 6)
        }
    }

    // MARK: duplicates

    @Test func requestIdsWrittenTwiceAreReportedPerHost() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines: [String] = []
        for index in 0..<4_000 {
            let millis = Self.base + Int64(index) * 1_000
            let host = index % 2 == 0 ? "h1" : "h2"
            let line = Self.inferenceLine(millis: millis, host: host, requestID: "r-\(index)")
            lines.append(line)
            // h2 re-sends its records of the second thousand.
            if host == "h2" && index >= 1_000 && index < 2_000 { lines.append(line) }
        }
        try Self.write(lines, "both.jsonl", in: folder)
        let events = IntegrityDetector().events(for: try Self.analyze(folder)).filter { $0.subtype == "duplicates" }
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.entity == EventEntity(host: "h2"))
        #expect(event.startMillis == Self.base + 1_001_000)
        #expect(event.endMillis == Self.base + 1_999_000)
        #expect(event.count == 500)

        // Without the replay: nothing, and nothing on the samples either.
        let clean = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: clean) }
        try Self.write(Array(Set(lines)).sorted(), "both.jsonl", in: clean)
        #expect(IntegrityDetector().events(for: try Self.analyze(clean)).isEmpty)
        let samples = IntegrityDetector().events(for: try TestSupport.analyze([SampleArchiveTests.samples.path]))
        #expect(samples.filter { $0.subtype == "duplicates" || $0.subtype == "time_backwards" }.isEmpty)
    }

    // MARK: 4xx path bursts

    @Test func manyDistinctNotFoundPathsFromOneAddressAreABurst() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var lines: [String] = []
        let words = ["archive", "team", "old", "files", "photos", "notes", "reports", "misc", "tmp2", "legacy"]
        for index in 0..<40 {
            let second = 10 + index
            let path = "/\(words[index % 10])/\(words[(index / 10) % 10])-\(index).html"
            lines.append(
                #"203.0.113.50 - - [17/Nov/2026:10:20:\#(String(format: "%02d", second)) +0000] "GET \#(path) HTTP/1.1" 404 153 "-" "Mozilla/5.0 (X11; Linux x86_64)""#
            )
        }
        // Stuffing-like 401s on one path and a client retrying one unknown model: not bursts.
        for index in 0..<40 {
            let second = String(format: "%02d", index)
            lines.append(
                #"45.155.205.33 - - [17/Nov/2026:11:00:\#(second) +0000] "POST /v1/models/m/predict HTTP/1.1" 401 33 "-" "python-requests/2.28.1""#
            )
            lines.append(
                #"198.51.100.9 - - [17/Nov/2026:11:00:\#(second) +0000] "POST /v1/models/unknown/predict HTTP/1.1" 404 33 "-" "client/1.0""#
            )
        }
        try Self.write(lines, "access.log", in: folder)
        let events = AccessSignatureDetector().events(for: try Self.analyze(folder))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.typeName == "ops.vuln_probe.path_burst")
        #expect(event.entity == EventEntity(ip: "203.0.113.50"))
        #expect(event.severity == .medium)
        #expect(event.count == 40)
    }
}
