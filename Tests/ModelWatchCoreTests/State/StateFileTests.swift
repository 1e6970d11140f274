import Foundation
import Testing

@testable import ModelWatchCore

/// The state file: exact round trips of a real summary, and refusal (never a crash) of every
/// damaged, truncated, foreign or other-version file.
@Suite struct StateFileTests {
    static let samples = SampleArchiveTests.samples.path

    /// The summary of samples/ (two threads), computed once for the suite.
    static let samplesSummary: AnalysisSummary = {
        // The archive is in the repository; a failure here fails every test that uses it.
        try! TestSupport.analyze([samples], threads: 2)
    }()

    static func evaluate(_ summary: AnalysisSummary) -> AnalysisResult {
        Analysis(configuration: AnalysisConfiguration(options: AnalysisOptions(threads: 1))).evaluate(summary)
    }

    static func eventLines(_ result: AnalysisResult) -> [String] { result.events.map { EventJSON.line(for: $0) } }

    static func rendered(_ summary: AnalysisSummary, _ result: AnalysisResult) -> String {
        var report = SummaryReport()
        report.checkedTypes = result.checkedTypes
        report.drift = result.drift
        return report.render(summary, events: result.events, elapsedSeconds: 1)
    }

    @Test func samplesRoundTripToTheSameEventsSummaryAndTables() throws {
        let original = Self.samplesSummary
        let state = AnalysisState(summary: original, options: AnalysisOptions(threads: 2))
        let bytes = StateFile.encode(state)
        let decoded = try StateFile.decode(bytes)
        let copy = decoded.summary

        let before = Self.evaluate(original)
        let after = Self.evaluate(copy)
        #expect(before.events.count > 10)
        #expect(Self.eventLines(before) == Self.eventLines(after))
        #expect(Self.rendered(original, before) == Self.rendered(copy, after))

        // Table by table, where the types compare.
        #expect(copy.windowMillis == original.windowMillis)
        #expect(copy.sources == original.sources)
        #expect(copy.sources.map(\.timeOrder) == original.sources.map(\.timeOrder))
        #expect(copy.windows == original.windows)
        #expect(copy.profiles.profiles == original.profiles.profiles)
        #expect(copy.profiles.windowMillis == original.profiles.windowMillis)
        #expect(copy.capacity.windows == original.capacity.windows)
        #expect(copy.pathBursts.cells == original.pathBursts.cells)
        #expect(copy.probes.findings == original.probes.findings)
        #expect(copy.adminCalls.findings == original.adminCalls.findings)
        #expect(copy.requestSamples.requests == original.requestSamples.requests)
        #expect(copy.requestSamples.sampleRate == original.requestSamples.sampleRate)
        for (mine, theirs) in [(copy.gateway, original.gateway), (copy.inference, original.inference)] {
            #expect(mine.clients.entries == theirs.clients.entries)
            #expect(mine.addresses.entries == theirs.addresses.entries)
            #expect(mine.clients.tail == theirs.clients.tail)
            #expect(mine.clients.distinct == theirs.clients.distinct)
            #expect(mine.addresses.total == theirs.addresses.total)
        }
        for stream in original.activity.streams {
            #expect(copy.activity.activeRange(of: stream) == original.activity.activeRange(of: stream))
            if let range = original.activity.activeRange(of: stream) {
                #expect(
                    copy.activity.counts(of: stream, from: range.lowerBound, through: range.upperBound)
                        == original.activity.counts(of: stream, from: range.lowerBound, through: range.upperBound))
            }
        }
        #expect(copy.activity.streams == original.activity.streams)
        #expect(copy.abuse.distinctClients == original.abuse.distinctClients)
        #expect(copy.abuse.untrackedClientRecords == original.abuse.untrackedClientRecords)
        #expect(
            copy.abuse.clients.mapValues { $0.mapValues(\.count) }
                == original.abuse.clients.mapValues { $0.mapValues(\.count) })
        // Writing the copy again gives a file of the same length (dictionary order may differ).
        #expect(StateFile.encode(decoded).count == bytes.count)
        #expect(decoded.identities == state.identities)
        #expect(decoded.runIDs == state.runIDs)
        #expect(decoded.profileWindowMillis == state.profileWindowMillis)
    }

    /// Abuse cells compare by their figures (`ClientWindow` is not `Equatable`: it holds samples).
    @Test func abuseCellsRoundTripFieldByField() throws {
        let original = Self.samplesSummary.abuse
        var writer = StateWriter()
        writer.write(original)
        var reader = StateReader(writer.bytes)
        let copy = try reader.read(AbuseState.self)
        #expect(reader.remaining == 0)
        #expect(copy.windowMillis == original.windowMillis)
        for (model, table) in original.clients {
            for (client, cells) in table {
                for (start, cell) in cells {
                    let other = try #require(copy.clients[model]?[client]?[start])
                    #expect(other.calls == cell.calls && other.tokens == cell.tokens)
                    #expect(other.distances.sample == cell.distances.sample)
                    #expect(other.distances.offered == cell.distances.offered)
                    #expect(other.addresses == cell.addresses && other.coverage == cell.coverage)
                    #expect(other.gaps == cell.gaps && other.firstMillis == cell.firstMillis)
                }
            }
        }
        for (address, cells) in original.addresses {
            for (start, cell) in cells {
                let other = try #require(copy.addresses[address]?[start])
                #expect(other.failureBuckets == cell.failureBuckets && other.failedKeys == cell.failedKeys)
                #expect(other.attempts == cell.attempts)
            }
        }
        #expect(copy.models.mapValues { $0.mapValues(\.calls) } == original.models.mapValues { $0.mapValues(\.calls) })
    }

    /// A small state (one gateway file) so that every prefix and many damaged copies are tried.
    static func smallStateBytes() throws -> [UInt8] {
        let summary = try TestSupport.analyze([samples + "/inference/inf-2/2026-11-15-partial.jsonl.gz"], threads: 1)
        return StateFile.encode(AnalysisState(summary: summary, options: AnalysisOptions(threads: 1)))
    }

    @Test func everyTruncationIsRefusedWithAMessage() throws {
        let bytes = try Self.smallStateBytes()
        #expect(bytes.count > 2000)
        var lengths = Array(0..<200)
        lengths += stride(from: 200, to: bytes.count, by: max(1, bytes.count / 500))
        lengths.append(bytes.count - 1)
        for length in lengths {
            #expect(throws: StateFileError.self, "\(length) bytes") {
                try StateFile.decode(Array(bytes.prefix(length)))
            }
        }
        #expect(throws: Never.self) { try StateFile.decode(bytes) }
    }

    @Test func aDamagedByteIsCaughtByTheChecksum() throws {
        let bytes = try Self.smallStateBytes()
        var damaged = bytes
        damaged[bytes.count / 2] ^= 0x40
        let error = try #require(throws: StateFileError.self) { try StateFile.decode(damaged) }
        #expect(error.description.contains("checksum"))
    }

    /// Damage behind a recomputed checksum (a hand-made file): each copy decodes or is refused,
    /// and whatever decodes can be evaluated. Never a crash.
    @Test func damageBehindAValidChecksumNeverCrashes() throws {
        let bytes = try Self.smallStateBytes()
        var generator = SplitMix(seed: 11)
        var refused = 0
        for trial in 0..<400 {
            var damaged = bytes
            let flips = 1 + trial % 4
            for _ in 0..<flips {
                let at =
                    StateFile.headerLength + Int(generator.next() % UInt64(bytes.count - StateFile.headerLength - 8))
                damaged[at] = UInt8(truncatingIfNeeded: generator.next())
            }
            let payloadEnd = bytes.count - 8
            let checksum = damaged.withUnsafeBytes {
                ByteHashing.hash(UnsafeRawBufferPointer(rebasing: $0[StateFile.headerLength..<payloadEnd]))
            }
            for index in 0..<8 {
                damaged[payloadEnd + index] = UInt8(truncatingIfNeeded: checksum >> UInt64(index * 8))
            }
            do {
                let state = try StateFile.decode(damaged)
                _ = Self.evaluate(state.summary)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 50)
    }

    @Test func foreignFilesAndOtherVersionsAreRefusedSayingWhich() throws {
        let bytes = try Self.smallStateBytes()
        let sqlite = Array("SQLite format 3\u{0}".utf8) + [UInt8](repeating: 0, count: 100)
        let foreign = try #require(throws: StateFileError.self) { try StateFile.decode(sqlite) }
        #expect(foreign.description.contains("not a modelwatch state file"))
        #expect(foreign.description.contains("SQLite format 3\\x00"))
        let empty = try #require(throws: StateFileError.self) { try StateFile.decode([]) }
        #expect(empty.description.contains("empty"))

        var newer = bytes
        newer[16] = UInt8(StateFile.version + 1)
        let newerError = try #require(throws: StateFileError.self) { try StateFile.decode(newer) }
        #expect(newerError.description.contains("version \(StateFile.version + 1)"))
        #expect(newerError.description.contains("newer"))
        var older = bytes
        older[16] = 0
        let olderError = try #require(throws: StateFileError.self) { try StateFile.decode(older) }
        #expect(olderError.description.contains("older"))
        #expect(Array(bytes.prefix(16)) == Array("modelwatch-state".utf8))
    }

    @Test func readingNamesTheFile() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("half.state").path
        let bytes = try Self.smallStateBytes()
        FileManager.default.createFile(atPath: path, contents: Data(bytes.prefix(bytes.count / 2)))
        let error = try #require(throws: StateFileError.self) { try StateFile.read(from: path) }
        #expect(error.description.hasPrefix(path + ": "))
        #expect(error.description.contains("truncated"))
        let missing = try #require(throws: StateFileError.self) { try StateFile.read(from: path + ".none") }
        #expect(missing.description.contains("half.state.none"))
    }

    @Test func integersRoundTripAtTheirLimits() throws {
        var writer = StateWriter()
        let signed: [Int64] = [0, 1, -1, 63, -64, 64, .max, .min, 1_794_891_596_000]
        for value in signed { writer.write(value) }
        writer.write(UInt64.max)
        writer.write(Double.nan)
        writer.write(-0.0)
        writer.write(Double.infinity)
        var reader = StateReader(writer.bytes)
        for value in signed { #expect(try reader.readInt64() == value) }
        #expect(try reader.readUInt64() == .max)
        #expect(try reader.readDouble().isNaN)
        #expect(try reader.readDouble().sign == .minus)
        #expect(try reader.readDouble() == .infinity)
        #expect(reader.remaining == 0)
        // Eleven continuation bytes: longer than any 64-bit varint.
        var long = StateReader([UInt8](repeating: 0xFF, count: 11) + [0])
        #expect(throws: StateFileError.self) { try long.readUInt64() }
        // A length larger than the bytes left is refused before anything is allocated.
        var huge = StateWriter()
        huge.write(Int.max / 2)
        var lengthReader = StateReader(huge.bytes)
        #expect(throws: StateFileError.self) { try lengthReader.readArray(Int.self) }
    }
}
