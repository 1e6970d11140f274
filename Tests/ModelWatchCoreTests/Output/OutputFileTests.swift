import Foundation
import Testing

@testable import ModelWatchCore

/// `OutputFile` on each kind of path: regular files replaced atomically, devices, FIFOs and
/// symbolic links written in place, and every failure an `OutputError` with the real errno.
@Suite struct OutputFileTests {
    @Test func aRegularFileIsReplacedWholeAndNoTemporaryFileStays() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("events.jsonl").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o640)
        let output = try OutputFile(path: path, name: "events")
        // Large enough to pass several buffer flushes before the commit.
        let line = String(repeating: "x", count: 999) + "\n"
        for _ in 0..<200 { try output.write(line) }
        // Until the commit the previous file is what a reader sees.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        try output.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 200 * 1000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["events.jsonl"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o640, "a replaced file keeps its permission bits")
    }

    @Test func anOutputDroppedBeforeItsCommitLeavesThePreviousFileAndNothingElse() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("baseline.json").path
        try Data("previous".utf8).write(to: URL(fileURLWithPath: path))
        do {
            let output = try OutputFile(path: path, name: "baseline")
            try output.write(String(repeating: "y", count: 1 << 17))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["baseline.json"])
    }

    @Test func aFullDeviceIsWrittenInPlaceAndStaysADevice() throws {
        var before = stat()
        try #require(stat("/dev/full", &before) == 0)
        let output = try OutputFile(path: "/dev/full", name: "events")
        try output.write("{}\n")
        #expect(throws: OutputError.self) { try output.commit() }
        do {
            try output.commit()
        } catch {
            #expect(error.code == ENOSPC)
            #expect(error.description.contains("events"))
            #expect(error.description.contains("ENOSPC"))
        }
        var after = stat()
        #expect(stat("/dev/full", &after) == 0)
        #expect(after.st_mode & S_IFMT == S_IFCHR && after.st_rdev == before.st_rdev)
    }

    @Test func aFIFOIsWrittenInPlace() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("events.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        // The reader's open and the writer's open meet, as with `cat FIFO` in another shell.
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let pipe = Pipe()
        reader.standardOutput = pipe
        try reader.run()
        try OutputFile.write("line one\nline two\n", to: fifo, name: "events")
        let received = pipe.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        #expect(received == Data("line one\nline two\n".utf8))
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func aSymbolicLinkIsFollowedAndStaysALink() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("real"), withIntermediateDirectories: true)
        let target = folder.appendingPathComponent("real/events.jsonl").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        let link = folder.appendingPathComponent("events.jsonl").path
        // A relative link: resolved against the link's folder, not the working directory.
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real/events.jsonl")
        try OutputFile.write("new\n", to: link, name: "events")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real/events.jsonl")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("real").path) == [
                "events.jsonl"
            ])
    }

    @Test func aMissingFolderNamesTheOutputAndTheCause() throws {
        do {
            try OutputFile.write("x", to: "/nonexistent-folder-\(UUID().uuidString)/e.jsonl", name: "events")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == ENOENT)
            #expect(error.description.hasPrefix("cannot write the events to /nonexistent-folder-"))
        }
    }

    @Test func aReadOnlyFolderIsEACCESAndThePreviousFileStays() throws {
        // Root writes into read-only folders, so the check needs an unprivileged user; the
        // command-line test runs the binary as `nobody` for the same reason.
        guard geteuid() != 0 else { return }
        let folder = try TestSupport.temporaryDirectory()
        defer {
            chmod(folder.path, 0o755)
            try? FileManager.default.removeItem(at: folder)
        }
        let path = folder.appendingPathComponent("events.jsonl").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        chmod(folder.path, 0o555)
        #expect(throws: OutputError.self) { try OutputFile.write("new", to: path, name: "events") }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    }
}
