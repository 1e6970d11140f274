import Foundation
import Testing

@testable import ModelWatchCore

/// The follower against each kind of rotation, on real files in a temporary folder. Every test
/// checks the lines handed on against what was written (the oracle): none lost, none twice,
/// none cut in half.
@Suite struct LogFollowerTests {
    /// A follower with no grace or scan delay, so each `poll` sees the files as they are now,
    /// and the lines it handed on so far, by source path.
    final class Harness {
        let follower: LogFollower
        var lines: [(path: String, line: String)] = []
        var now: Int64 = 1_000_000
        /// A chunk may end without a newline only where the file is finished (deleted, retired).
        var allowUnterminated = false

        init(
            roots: [String], fromStart: Bool = true, chunkSize: Int = 1 << 20, sourcePaths: [String] = [],
            resume: [FollowPosition] = []
        ) {
            var configuration = LogFollower.Configuration()
            configuration.fromStart = fromStart
            configuration.retireGraceMillis = 0
            configuration.scanIntervalMillis = 0
            configuration.chunkSize = chunkSize
            follower = LogFollower(
                roots: roots, configuration: configuration, sourcePaths: sourcePaths, resume: resume, wallMillis: now)
        }

        func poll(times: Int = 2) {
            for _ in 0..<times {
                now += 10
                follower.poll(wallMillis: now) { chunk, _ in
                    let text = String(decoding: chunk.bytes, as: UTF8.self)
                    let path = follower.sourcePaths[chunk.sourceIndex]
                    #expect(allowUnterminated || chunk.bytes.last == 0x0A, "only whole lines in \(text)")
                    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                        lines.append((path, String(line)))
                    }
                }
            }
        }

        var texts: [String] { lines.map(\.line) }
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    static func numbered(_ range: Range<Int>) -> String {
        range.map { "line \($0)\n" }.joined()
    }

    @Test func startsAtTheEndWithoutFromStartAndNeverHandsOnHalfALine() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("app.log").path
        try (Self.numbered(0..<5) + "half of li").write(toFile: path, atomically: false, encoding: .utf8)
        let harness = Harness(roots: [path], fromStart: false)
        harness.poll()
        #expect(harness.texts.isEmpty)
        try Self.append("ne 5\nline 6\nline 7 is bei", to: path)
        harness.poll()
        // The unfinished line at start-up is skipped up to its newline; "line 7" is still being written.
        #expect(harness.texts == ["line 6"])
        try Self.append("ng written\n", to: path)
        harness.poll()
        #expect(harness.texts == ["line 6", "line 7 is being written"])
    }

    @Test func renameAndRecreateReadsTheOldFileToItsEndAndTheNewOneWhole() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("access.log").path
        try Self.numbered(0..<100).write(toFile: path, atomically: false, encoding: .utf8)
        let harness = Harness(roots: [folder.path])
        harness.poll()
        // The writer adds to the old file, logrotate renames it, the writer still writes to
        // its open descriptor, then a new file appears under the name.
        try Self.append(Self.numbered(100..<150), to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try Self.append(Self.numbered(150..<160), to: path + ".1")
        try Self.numbered(160..<200).write(toFile: path, atomically: false, encoding: .utf8)
        harness.poll(times: 4)
        #expect(harness.texts == (0..<200).map { "line \($0)" })
        // The renamed copy (access.log.1) is the file already read: never read again.
        #expect(!harness.lines.contains { $0.path.hasSuffix(".1") })
        #expect(harness.follower.sourcePaths == [path, path])
    }

    @Test func copyTruncateStartsTheFileOverWithoutReadingTheCopy() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("access.log").path
        // More than a kilobyte, so the copy is recognised by its first bytes.
        try Self.numbered(0..<500).write(toFile: path, atomically: false, encoding: .utf8)
        let harness = Harness(roots: [folder.path])
        harness.poll()
        try FileManager.default.copyItem(atPath: path, toPath: path + ".1")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try Self.append(Self.numbered(500..<510), to: path)
        harness.poll(times: 3)
        #expect(harness.texts == (0..<510).map { "line \($0)" })
        #expect(!harness.lines.contains { $0.path.hasSuffix(".1") })
        // The name restarted from offset 0 as a new source.
        #expect(harness.follower.sourcePaths == [path, path])
    }

    @Test func newFileInAFollowedDirectoryIsReadFromItsStartAndGzipCopiesAreSkipped() throws {
        let folder = try TestSupport.temporaryDirectory()
        let day1 = folder.appendingPathComponent("2026-11-16.jsonl").path
        try Self.numbered(0..<10).write(toFile: day1, atomically: false, encoding: .utf8)
        let harness = Harness(roots: [folder.path], fromStart: false)
        harness.poll()
        #expect(harness.texts.isEmpty)
        let day2 = folder.appendingPathComponent("2026-11-17.jsonl").path
        try Self.numbered(10..<20).write(toFile: day2, atomically: false, encoding: .utf8)
        try TestSupport.gzip(Data(Self.numbered(0..<10).utf8)).write(
            to: folder.appendingPathComponent("2026-11-16.jsonl.1.gz"))
        harness.poll(times: 3)
        #expect(harness.texts == (10..<20).map { "line \($0)" })
        #expect(harness.follower.notes.contains { $0.contains("gzip") })
    }

    @Test func fileDeletedWhileOpenIsReadToItsEndAndItsLastLineIsWhole() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("app.log").path
        try (Self.numbered(0..<20) + "last line without newline").write(
            toFile: path, atomically: false, encoding: .utf8)
        let harness = Harness(roots: [path])
        harness.poll()
        #expect(harness.texts.count == 20)
        try FileManager.default.removeItem(atPath: path)
        harness.allowUnterminated = true
        harness.poll(times: 3)
        // Nobody can write the deleted file any more: its unfinished last line is whole.
        #expect(harness.texts == (0..<20).map { "line \($0)" } + ["last line without newline"])
        #expect(harness.follower.openFileCount == 0)
    }

    @Test(arguments: [7, 64, 1000, 1 << 20])
    func linesWrittenInPiecesArriveWholeWhateverTheChunkSize(chunkSize: Int) throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("app.log").path
        FileManager.default.createFile(atPath: path, contents: nil)
        let harness = Harness(roots: [path], chunkSize: chunkSize)
        let text = Self.numbered(0..<300)
        var rest = Substring(text)
        var generator = SystemRandomNumberGenerator()
        while !rest.isEmpty {
            let piece = rest.prefix(Int.random(in: 1...40, using: &generator))
            rest = rest.dropFirst(piece.count)
            try Self.append(String(piece), to: path)
            harness.poll(times: 1)
        }
        harness.poll()
        #expect(harness.texts == (0..<300).map { "line \($0)" })
    }

    @Test func resumingAPositionReadsOnlyWhatCameAfterIt() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("app.log").path
        try (Self.numbered(0..<40) + "unfinis").write(toFile: path, atomically: false, encoding: .utf8)
        let first = Harness(roots: [folder.path])
        first.poll()
        let positions = first.follower.positions
        #expect(positions.count == 1)
        try Self.append("hed\n" + Self.numbered(41..<50), to: path)
        let second = Harness(roots: [folder.path], sourcePaths: first.follower.sourcePaths, resume: positions)
        second.poll()
        #expect(
            first.texts + second.texts == (0..<40).map { "line \($0)" } + ["unfinished"]
                + (41..<50).map { "line \($0)" })
    }

    @Test func resumingAFileRotatedWhileStoppedFinishesItUnderItsNewName() throws {
        let folder = try TestSupport.temporaryDirectory()
        let path = folder.appendingPathComponent("access.log").path
        try Self.numbered(0..<30).write(toFile: path, atomically: false, encoding: .utf8)
        let first = Harness(roots: [folder.path])
        first.poll()
        let positions = first.follower.positions
        try Self.append(Self.numbered(30..<35), to: path)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try Self.numbered(35..<45).write(toFile: path, atomically: false, encoding: .utf8)
        let second = Harness(roots: [folder.path], sourcePaths: first.follower.sourcePaths, resume: positions)
        second.poll(times: 3)
        #expect(Set(first.texts + second.texts) == Set((0..<45).map { "line \($0)" }))
        #expect(first.texts.count + second.texts.count == 45)
    }
}
