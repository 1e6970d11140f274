import Foundation
import Testing

@testable import ModelWatchCore

/// The incremental analysis against batch's: the same records give the same events (and ids);
/// late records and a source with a bad clock are counted as SPEC.md says.
@Suite struct LiveAnalysisTests {
    /// An inference line stamped `millis`, from `host`.
    static func record(_ index: Int, millis: Int64, host: String = "inf-1", model: String = "fraud-scorer") -> String {
        let stamp = TimestampParser.formatRFC3339(millis: millis)
        return
            #"{"ts":"\#(stamp)","request_id":"r\#(index)-\#(host)","model":"\#(model)","model_version":"1.0","client":"k-\#(index % 7)","host":"\#(host)","latency_ms":\#(10 + index % 90),"status":200,"features":{"amount":\#(index % 100)},"prediction":"legit","score":0.9}"#
    }

    static func chunk(_ lines: [String], source: Int, sequence: Int) -> LineChunk {
        LineChunk(
            sourceIndex: source, sequence: sequence, startOffset: 0,
            bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    static func analysis(windowMillis: Int64 = 60_000) -> Analysis {
        var options = AnalysisOptions(threads: 2)
        options.windowMillis = windowMillis
        options.futureLimitMillis = .max
        return Analysis(configuration: AnalysisConfiguration(options: options))
    }

    static let start: Int64 = 1_795_000_000_000

    @Test func aRecordTenMinutesLateIsCountedLateAndStillFeedsTheState() {
        let live = LiveAnalysis(analysis: Self.analysis(), latenessMillis: 30_000, sourcePaths: ["a.jsonl"])
        let wall: Int64 = 5_000
        var first = Self.chunk(
            (0..<600).map { Self.record($0, millis: Self.start + Int64($0) * 1_000) }, source: 0, sequence: 0)
        live.accept(&first, format: .native, sourcePaths: ["a.jsonl"], wallMillis: wall)
        live.processPending(wallMillis: wall)
        // Ten minutes after the latest record (stamped start + 599 s), one stamped 10 min before it.
        var late = Self.chunk([Self.record(9999, millis: Self.start + 599_000 - 600_000)], source: 0, sequence: 1)
        live.accept(&late, format: .native, sourcePaths: ["a.jsonl"], wallMillis: wall + 10)
        let summary = live.settledSummary(wallMillis: wall + 10)
        #expect(summary.sources[0].lateRecords == 1)
        #expect(summary.sources[0].parsed == 601)
        #expect(summary.windows.values.reduce(0) { $0 + $1.records } == 601)
    }

    @Test func aSourceWhoseClockRunsAnHourAheadMakesNoOtherSourceLate() {
        let paths = ["gateway.jsonl", "inference.jsonl"]
        let live = LiveAnalysis(analysis: Self.analysis(), latenessMillis: 30_000, sourcePaths: paths)
        var wall: Int64 = 0
        for second in 0..<120 {
            wall += 1_000
            var ahead = Self.chunk(
                [Self.record(second, millis: Self.start + 3_600_000 + Int64(second) * 1_000, host: "inf-9")], source: 0,
                sequence: second)
            var honest = Self.chunk(
                [Self.record(second, millis: Self.start + Int64(second) * 1_000 - 20_000, host: "inf-1")], source: 1,
                sequence: second)
            live.accept(&ahead, format: .native, sourcePaths: paths, wallMillis: wall)
            live.accept(&honest, format: .native, sourcePaths: paths, wallMillis: wall)
            live.processPending(wallMillis: wall)
            _ = live.tick(wallMillis: wall)
        }
        let summary = live.settledSummary(wallMillis: wall)
        // The honest source's records are 20 s behind its own latest at most: never late, though
        // the other source's clock is an hour ahead; the run's watermark follows the honest one.
        #expect(summary.sources[1].lateRecords == 0)
        #expect(summary.sources[0].lateRecords == 0)
        let watermark = live.watermark(wallMillis: wall)
        #expect(watermark <= Self.start + 120_000)
        #expect(watermark >= Self.start + 60_000)
    }

    @Test func aQuietStreamStillClosesItsWindowsAfterTheLatenessOfWallTime() {
        var clock = EventClock(latenessMillis: 5_000, windowMillis: 10_000)
        clock.observe(source: 0, latestMillis: Self.start + 9_000, wallMillis: 100_000)
        #expect(clock.watermark(wallMillis: 100_000) == Self.start + 4_000)
        clock.tick(wallMillis: 104_000)
        #expect(clock.watermark(wallMillis: 104_000) == Self.start + 4_000)
        clock.tick(wallMillis: 110_000)
        // Idle for 10 s: the watermark moves with the wall clock from the latest record.
        #expect(clock.watermark(wallMillis: 110_000) == Self.start + 14_000)
    }

    /// The oracle: batch over the same files. Live reads the lines in small chunks, evaluates as
    /// the watermark moves, and after `finish` the last line of each incident (by id) is batch's
    /// event.
    @Test func incidentsEqualBatchOverTheSameRecords() throws {
        let folder = try TestSupport.temporaryDirectory()
        var lines: [String] = []
        // Two hours of steady traffic, then a client that hammers the model (abuse.rate), a dev
        // model (ops.env_separation) and a new version an hour in (ops.change).
        for index in 0..<7_200 {
            let millis = Self.start + Int64(index) * 1_000
            lines.append(Self.record(index, millis: millis, model: index > 3_600 ? "fraud-scorer" : "fraud-scorer"))
            if index % 600 == 0 { lines.append(Self.record(index + 100_000, millis: millis, model: "fraud-dev")) }
        }
        let path = folder.appendingPathComponent("inference.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let analysis = Self.analysis()
        let batch = analysis.evaluate(analysis.read(try InputDiscovery.expand([path]))).events

        let live = LiveAnalysis(analysis: analysis, latenessMillis: 30_000, sourcePaths: [path])
        var written: [IncidentTracker.Line] = []
        var wall: Int64 = 0
        var offset = 0
        for (sequence, start) in stride(from: 0, to: lines.count, by: 250).enumerated() {
            wall += 1_000
            var chunk = Self.chunk(Array(lines[start..<min(start + 250, lines.count)]), source: 0, sequence: sequence)
            chunk.startOffset = Int64(offset)
            offset += chunk.bytes.count
            live.accept(&chunk, format: .native, sourcePaths: [path], wallMillis: wall)
            live.processPending(wallMillis: wall)
            written += live.tick(wallMillis: wall)
        }
        written += live.finish(wallMillis: wall)
        var last: [String: String] = [:]
        for line in written { last[line.id] = line.text }
        #expect(!batch.isEmpty)
        #expect(Set(last.keys) == Set(batch.map(\.id)))
        for event in batch {
            #expect(last[event.id] == IncidentTracker.withActivity(EventJSON.line(for: event), "close"))
        }
        // Each incident: one create, at most one update per evaluation, one close.
        for id in last.keys {
            let activities = written.filter { $0.id == id }.map(\.activity)
            #expect(activities.first == "create" && activities.last == "close")
            #expect(activities.filter { $0 == "create" }.count == 1 && activities.filter { $0 == "close" }.count == 1)
        }
    }
    /// Nine days of eight steady clients and one that sends 20 times its usual calls in one hour
    /// of the last day: while live reads them, abuse windows older than the detector's look-back
    /// behind the watermark are evicted, and the burst is still batch's incident over all nine
    /// days (same id, same last line), as every window it is judged on is within the look-back.
    @Test func stateOlderThanTheLookBackIsEvictedAndTheVerdictIsBatchs() throws {
        let hour: Int64 = 3_600_000
        let dayStart = Self.start - Self.start % 86_400_000
        let clients = (0..<8).map { "k-steady-\($0)" } + ["k-burst"]
        var hours: [[String]] = []
        var index = 0
        for hourIndex in 0..<(9 * 24) {
            var lines: [(Int64, String)] = []
            for client in clients {
                let calls = client == "k-burst" && hourIndex == 8 * 24 + 12 ? 600 : 30
                for call in 0..<calls {
                    let millis =
                        dayStart + Int64(hourIndex) * hour + Int64(call) * (hour / Int64(calls)) + Int64(index % 997)
                    let stamp = TimestampParser.formatRFC3339(millis: millis)
                    lines.append(
                        (
                            millis,
                            #"{"ts":"\#(stamp)","request_id":"e\#(index)","model":"fraud-scorer","model_version":"1.0","client":"\#(client)","host":"inf-1","latency_ms":20,"status":200}"#
                        ))
                    index += 1
                }
            }
            hours.append(lines.sorted { $0.0 < $1.0 }.map(\.1))
        }
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("inference.jsonl").path
        try (hours.joined().joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let analysis = Self.analysis()
        let batch = analysis.evaluate(analysis.read(try InputDiscovery.expand([path]))).events
        let burst = try #require(batch.first { $0.type == .abuseRate && $0.entity.client == "k-burst" })

        let live = LiveAnalysis(analysis: analysis, latenessMillis: 30_000, sourcePaths: [path])
        var written: [IncidentTracker.Line] = []
        var wall: Int64 = 0
        var offset: Int64 = 0
        for (sequence, lines) in hours.enumerated() {
            wall += 1_000
            var chunk = Self.chunk(lines, source: 0, sequence: sequence)
            chunk.startOffset = offset
            offset += Int64(chunk.bytes.count)
            live.accept(&chunk, format: .native, sourcePaths: [path], wallMillis: wall)
            live.processPending(wallMillis: wall)
            // An evaluation every six hours of event time (each one evicts).
            if sequence % 6 == 5 { written += live.tick(wallMillis: wall) }
        }
        let lookBack = try #require(AbuseFeature.lookBackMillis(under: analysis.configuration))
        let watermark = live.watermark(wallMillis: wall)
        let oldest = try #require(
            live.summary.abuse.clients.values.flatMap { $0.values.flatMap(\.keys) }.min())
        #expect(oldest >= watermark - lookBack - 6 * hour)
        #expect(oldest > dayStart)  // something was evicted
        written += live.finish(wallMillis: wall)
        var last: [String: String] = [:]
        for line in written { last[line.id] = line.text }
        // The inter-arrival spread is per worker (gaps across a chunk boundary are not seen), so
        // it moves with how the reads were split, as in tools/compare_thread_counts.py; the rest
        // of the line is the verdict and its evidence.
        func withoutSplitEvidence(_ line: String?) -> String? {
            line?.replacingOccurrences(of: #","inter_arrival_cv":[0-9.]+"#, with: "", options: .regularExpression)
        }
        #expect(
            withoutSplitEvidence(last[burst.id])
                == withoutSplitEvidence(IncidentTracker.withActivity(EventJSON.line(for: burst), "close")))
    }
}
