import Foundation
import Testing

@testable import ModelWatchCore

/// `modelwatch live` as a process: SIGTERM (also while a line is half written) exits 0 with the
/// checkpoint written; a restart from the checkpoint neither loses nor double-counts a line,
/// checked against the count of lines written (the oracle), and writes no incident twice.
@Suite(.serialized) struct LiveCommandLineTests {
    static func line(_ index: Int) -> String {
        LiveAnalysisTests.record(index, millis: LiveAnalysisTests.start + Int64(index) * 1_000)
    }

    /// Starts `live` on `folder`, lets it read for `seconds`, sends SIGTERM and returns the exit status.
    static func runLive(_ folder: URL, state: String, events: String, seconds: Double) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = [
            "live", folder.path, "--from-start", "--state", state, "--events", events, "--lateness", "1s",
            "--checkpoint-seconds", "1", "--no-progress",
        ]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
        process.terminate()  // SIGTERM
        let errorText = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, errorText)
    }

    static func checkpoint(_ path: String) throws -> LiveCheckpoint {
        let options = AnalysisOptions(threads: 1)
        return try #require(try LiveCheckpoint.load(path: path, options: options, latenessMillis: 1_000))
    }

    @Test func sigtermWhileALineIsHalfWrittenThenARestartLosesAndDoublesNothing() throws {
        let folder = try TestSupport.temporaryDirectory()
        let logs = folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let path = logs.appendingPathComponent("inference.jsonl").path
        let state = folder.appendingPathComponent("live.state").path
        let events = folder.appendingPathComponent("events.jsonl").path
        let whole = (0..<3_000).map { Self.line($0) + "\n" }.joined()
        let unfinished = Self.line(3_000)
        let half = String(unfinished.prefix(unfinished.count / 2))
        try (whole + half).write(toFile: path, atomically: false, encoding: .utf8)

        let (firstStatus, firstError) = try Self.runLive(logs, state: state, events: events, seconds: 3)
        #expect(firstStatus == 0, "\(firstError)")
        let first = try Self.checkpoint(state)
        #expect(first.summary.sources.map(\.lines).reduce(0, +) == 3_000)
        #expect(first.positions.map(\.offset) == [Int64(whole.utf8.count)])
        #expect(firstError.contains("unfinished last line"))

        // The writer finishes the line and writes more; the restart reads from the line's start.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((String(unfinished.dropFirst(half.count)) + "\n").utf8))
        try handle.write(contentsOf: Data((3_001..<5_000).map { Self.line($0) + "\n" }.joined().utf8))
        try handle.close()
        let (secondStatus, secondError) = try Self.runLive(logs, state: state, events: events, seconds: 3)
        #expect(secondStatus == 0, "\(secondError)")
        let second = try Self.checkpoint(state)
        let lines = second.summary.sources.map(\.lines).reduce(0, +)
        let parsed = second.summary.sources.map(\.parsed).reduce(0, +)
        #expect(lines == 5_000 && parsed == 5_000)
        #expect(second.summary.windows.values.reduce(0) { $0 + $1.records } == 5_000)

        // No incident written twice: one create per id over both runs.
        let written = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n")
        var creates: [String: Int] = [:]
        for text in written {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            if object["activity"] as? String == "create" { creates[object["id"] as! String, default: 0] += 1 }
        }
        #expect(creates.values.allSatisfy { $0 == 1 })
    }

    @Test func endOfStandardInputWritesTheFinalLinesAndExitsZero() throws {
        let input =
            (0..<500).map { Self.line($0) + "\n" }.joined() + #"{"ts":"2026-11-17T10:00:00Z","model":"fraud-test"}"#
        let run = try CommandLineTests.run(["live", "-", "--events", "-", "--no-progress"], input: Data(input.utf8))
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n")
        // The last line had no newline: at end of input it is whole, and names a test model.
        #expect(lines.contains { $0.contains("ops.env_separation") && $0.contains("\"activity\":\"create\"") })
        #expect(lines.contains { $0.contains("ops.env_separation") && $0.contains("\"activity\":\"close\"") })
    }

    @Test func aStateFileOfAnotherFormatIsAUsageError() throws {
        let folder = try TestSupport.temporaryDirectory()
        let state = folder.appendingPathComponent("not-a-state").path
        try "hello".write(toFile: state, atomically: false, encoding: .utf8)
        let run = try CommandLineTests.run(["live", "-", "--state", state, "--no-progress"], input: Data())
        #expect(run.status == 2)
        #expect(run.standardError.contains("not a modelwatch live checkpoint"))
    }

    @Test func sighupReopensTheEventsFileAfterItWasRotated() throws {
        let folder = try TestSupport.temporaryDirectory()
        let logs = folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let events = folder.appendingPathComponent("events.jsonl").path
        let log = logs.appendingPathComponent("a.jsonl").path
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = [
            "live", logs.path, "--events", events, "--window", "1s", "--lateness", "1s", "--no-progress",
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        func append(_ text: String) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((text + "\n").utf8))
            try handle.close()
        }
        Thread.sleep(forTimeInterval: 1.5)
        try append(#"{"ts":"2026-11-17T10:00:00Z","model":"alpha-dev"}"#)
        Thread.sleep(forTimeInterval: 4)
        try FileManager.default.moveItem(atPath: events, toPath: events + ".1")
        kill(process.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 1)
        try append(#"{"ts":"2026-11-17T10:00:05Z","model":"beta-test"}"#)
        Thread.sleep(forTimeInterval: 4)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let rotated = try String(contentsOfFile: events + ".1", encoding: .utf8)
        let fresh = try String(contentsOfFile: events, encoding: .utf8)
        #expect(rotated.contains("alpha-dev") && !rotated.contains("beta-test"))
        #expect(fresh.contains("beta-test"))
    }
}
