import Foundation
import Testing

@testable import ModelWatchCore

/// The time-order check against a one-pass oracle: chunks in any order and of any size give what
/// one loop over the whole file gives, and the integrity event names the right step, window and
/// writer.
@Suite struct TimeOrderCheckTests {
    /// 2026-11-17T10:00:00Z in milliseconds; Python: calendar.timegm((2026, 11, 17, 10, 0, 0)) * 1000.
    static let tenOClock: Int64 = 1_794_909_600_000
    static let tolerance: Int64 = 60_000

    /// What one pass over the whole file finds, written without the check's code: a record is
    /// behind when it is more than the tolerance earlier than the latest stamp before it.
    struct Oracle: Equatable {
        var steps = 0
        var largest: Int64 = 0
        var firstOffset: Int64?
        var firstFrom: Int64 = 0
        var firstTo: Int64 = 0
        var episodeStamps: [Int64] = []

        init(_ stamps: [Int64], offsets: [Int64], tolerance: Int64) {
            var latest = Int64.min
            var wasBehind = false
            for index in stamps.indices {
                let stamp = stamps[index]
                let behind = index > 0 && stamp < latest - tolerance
                if behind {
                    largest = max(largest, latest - stamp)
                    if !wasBehind {
                        steps += 1
                        if steps == 1 {
                            firstOffset = offsets[index]
                            firstFrom = stamps[index - 1]
                            firstTo = stamp
                        }
                    }
                    if steps == 1 { episodeStamps.append(stamp) }
                }
                wasBehind = behind
                latest = max(latest, stamp)
            }
        }
    }

    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// A stream a second apart with jitter within a third of the tolerance, and now and then a
    /// clock step back (seconds to hours, one record to thousands) or a spliced-in old block.
    static func stamps(seed: UInt64) -> [Int64] {
        var random = Random(state: seed)
        var stamps: [Int64] = []
        var clock = tenOClock
        var stepBackLeft = 0
        var offset: Int64 = 0
        for _ in 0..<6_000 {
            clock += 1_000
            if stepBackLeft == 0 && offset != 0 {
                offset = 0
            }
            if stepBackLeft == 0 && random.next(700) == 0 {
                stepBackLeft = 1 + random.next(1_500)
                offset = -Int64(61 + random.next(7_200)) * 1_000
            }
            if stepBackLeft > 0 { stepBackLeft -= 1 }
            let jitter = Int64(random.next(40_000)) - 20_000
            stamps.append(clock + offset + jitter)
        }
        return stamps
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func chunksInAnyOrderGiveTheOnePassResult(seed: UInt64) {
        let stamps = Self.stamps(seed: seed)
        let offsets = stamps.indices.map { Int64($0) * 100 }
        let oracle = Oracle(stamps, offsets: offsets, tolerance: Self.tolerance)
        #expect(oracle.steps > 0)
        var random = Random(state: seed &* 31)
        for chunkRecords in [1, 2, 7, 64, 500, 6_000] {
            var segments: [TimeOrderSegment] = []
            var start = 0
            while start < stamps.count {
                let end = min(stamps.count, start + 1 + random.next(chunkRecords))
                var segment = TimeOrderSegment(sourceIndex: 0, sequence: segments.count)
                for index in start..<end { segment.add(stamps[index], offset: offsets[index]) }
                segments.append(segment)
                start = end
            }
            // Arrival order: shuffled within a sliding span, as workers finish chunks.
            var order = Array(segments.indices)
            for index in order.indices {
                let other = min(order.count - 1, index + random.next(4))
                order.swapAt(index, other)
            }
            var ledger = TimeOrderLedger(toleranceMillis: Self.tolerance)
            for index in order { ledger.add(segments[index]) }
            let check = ledger.result()[0]!
            #expect(check.records == stamps.count)
            #expect(check.backwardSteps == oracle.steps, "chunks of up to \(chunkRecords)")
            #expect(check.largestStepMillis == oracle.largest)
            let episode = check.firstEpisode!
            #expect(episode.offset == oracle.firstOffset)
            #expect(episode.previousMillis == oracle.firstFrom)
            #expect(episode.firstMillis == oracle.firstTo)
            #expect(episode.records == oracle.episodeStamps.count)
            #expect(episode.earliestMillis == oracle.episodeStamps.min())
            #expect(episode.latestMillis == oracle.episodeStamps.max())
        }
    }

    /// One record a second from 10:00:00 to 11:10:00 by a host whose clock stepped back an hour
    /// for two minutes at 11:00:00 (its records of 11:00:00-11:01:59 stamped 10:00:00-10:01:59),
    /// written as three gzip members.
    static func steppedClockFixture() throws -> (folder: URL, lines: [String]) {
        let folder = try TestSupport.temporaryDirectory()
        var lines: [String] = []
        for second in 0..<(70 * 60) {
            var millis = tenOClock + Int64(second) * 1_000
            if second >= 60 * 60 && second < 62 * 60 { millis -= 3_600_000 }
            lines.append(#"{"ts":\#(millis),"model":"m","host":"inf-7","latency_ms":10,"status":200}"#)
        }
        var data = Data()
        for part in 0..<3 {
            let slice = lines[(part * lines.count / 3)..<((part + 1) * lines.count / 3)]
            data += try TestSupport.gzip(Data((slice.joined(separator: "\n") + "\n").utf8))
        }
        try data.write(to: folder.appendingPathComponent("inf-7.jsonl.gz"))
        return (folder, lines)
    }

    @Test func aSteppedBackClockIsOneEpisodeWithItsOwnStampsAndWriter() throws {
        let (folder, lines) = try Self.steppedClockFixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        var offset: Int64 = 0
        var offsets: [Int64] = []
        for line in lines {
            offsets.append(offset)
            offset += Int64(line.utf8.count + 1)
        }
        let stamps = lines.map { Int64($0.dropFirst(6).prefix(13))! }
        let oracle = Oracle(stamps, offsets: offsets, tolerance: AnalysisOptions.defaultBackwardTolerance)
        #expect(oracle.steps == 1)
        for threads in [1, 2, 3] {
            for chunkSize in [97, 256, 1_000, 4_096, 65_536, 1 << 20] {
                let summary = try TestSupport.analyze([folder.path], threads: threads) { $0.chunkSize = chunkSize }
                let events = IntegrityDetector().events(for: summary).filter { $0.subtype == "time_backwards" }
                #expect(events.count == 1, "threads \(threads), chunk size \(chunkSize)")
                guard let event = events.first else { continue }
                let evidence = Dictionary(uniqueKeysWithValues: event.evidence)
                #expect(event.entity.host == "inf-7")
                #expect(event.count == 1)
                #expect(evidence["backward_steps"] == .integer(1))
                #expect(evidence["first_step_offset"] == .integer(try #require(oracle.firstOffset)))
                // The record just before the step is 10:59:59; the first behind is stamped 10:00:00.
                #expect(evidence["first_step_from"] == .text("2026-11-17T10:59:59Z"))
                #expect(evidence["first_step_to"] == .text("2026-11-17T10:00:00Z"))
                #expect(evidence["first_episode_records"] == .integer(120))
                #expect(event.startMillis == Self.tenOClock)
                #expect(event.endMillis == Self.tenOClock + 119_000)
            }
        }
    }
}
