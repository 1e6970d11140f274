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

    /// Starts `live` on `folder` with `--state`, waits until its checkpoint holds `lines` lines
    /// (polled, so a loaded machine only makes it slower), sends SIGTERM and returns the exit
    /// status and standard error.
    static func runLiveUntil(_ folder: URL, state: String, lines: Int, extra: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments =
            [
                "live", folder.path, "--from-start", "--state", state, "--lateness", "1s", "--checkpoint-seconds",
                "1", "--no-progress",
            ] + extra
        let errorFile = folder.deletingLastPathComponent().appendingPathComponent("live-\(UUID()).stderr")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            if let saved = try? LiveCheckpoint.load(
                path: state, options: AnalysisOptions(threads: 1), latenessMillis: 1_000),
                saved.summary.sources.map(\.lines).reduce(0, +) >= lines
            {
                break
            }
        }
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }

    /// The last line of each incident (by id) in an events file, without its `activity`.
    static func lastLines(_ path: String) throws -> [String: String] {
        var last: [String: String] = [:]
        for text in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let id = try #require(object["id"] as? String)
            let activity = try #require(object["activity"] as? String)
            let suffix = ",\"activity\":\"\(activity)\"}"
            #expect(text.hasSuffix(suffix))
            last[id] = String(text.dropLast(suffix.count)) + "}"
        }
        return last
    }

    /// The summary JSON's sources with `late` left out: whether a record arrives behind a
    /// closed window depends on where the reads fell (a restart resumes with the clock moved
    /// on), and late records still feed the state, so everything else must be equal.
    static func summaryWithoutLate(_ path: String) throws -> NSDictionary {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var copy = object
        copy["sources"] = (object["sources"] as? [[String: Any]])?.map { source in
            var source = source
            source["late"] = nil
            return source
        }
        return copy as NSDictionary
    }

    /// The oracle is one uninterrupted run over the same file (and batch over it): a run stopped
    /// in the middle and resumed from its checkpoint gives the same summary and the same last
    /// line for every incident. The file's clock steps back ten minutes right after the restart
    /// point, so the time-order check must carry the latest stamp across the restart to see it.
    @Test func aRestartInTheMiddleOfAFileGivesWhatOneUninterruptedRunGives() throws {
        let folder = try TestSupport.temporaryDirectory()
        let before = (0..<2_000).map { Self.line($0) + "\n" }.joined()
        // Behind by ten minutes for 30 records (one backward episode), then back in order.
        let behind = (2_000..<2_030).map {
            LiveAnalysisTests.record($0, millis: LiveAnalysisTests.start + Int64($0) * 1_000 - 600_000) + "\n"
        }.joined()
        let after = (2_030..<4_000).map { Self.line($0) + "\n" }.joined()

        // Both runs read the same path (it is part of every event's entity and id), one after the other.
        let logs = folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let log = logs.appendingPathComponent("inference.jsonl").path
        func outputs(_ name: String) -> (state: String, events: String, summary: String) {
            let base = folder.appendingPathComponent(name)
            return (base.path + ".state", base.path + ".events.jsonl", base.path + ".summary.json")
        }
        let whole = outputs("whole")
        try (before + behind + after).write(toFile: log, atomically: false, encoding: .utf8)
        let (wholeStatus, wholeError) = try Self.runLiveUntil(
            logs, state: whole.state, lines: 4_000, extra: ["--events", whole.events, "--summary-json", whole.summary])
        #expect(wholeStatus == 0, "\(wholeError)")

        let resumed = outputs("resumed")
        try FileManager.default.removeItem(atPath: log)
        try before.write(toFile: log, atomically: false, encoding: .utf8)
        let (firstStatus, firstError) = try Self.runLiveUntil(
            logs, state: resumed.state, lines: 2_000, extra: ["--events", resumed.events])
        #expect(firstStatus == 0, "\(firstError)")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((behind + after).utf8))
        try handle.close()
        let (secondStatus, secondError) = try Self.runLiveUntil(
            logs, state: resumed.state, lines: 4_000,
            extra: ["--events", resumed.events, "--summary-json", resumed.summary])
        #expect(secondStatus == 0, "\(secondError)")

        // The oracle counts: every line once, in both.
        let wholeSummary = try Self.summaryWithoutLate(whole.summary)
        let resumedSummary = try Self.summaryWithoutLate(resumed.summary)
        let sources = try #require(resumedSummary["sources"] as? [[String: Any]])
        #expect(sources.map { $0["lines"] as? Int } == [4_000])
        #expect(sources.map { $0["parsed"] as? Int } == [4_000])
        #expect(wholeSummary == resumedSummary)

        // The same incidents, each ending as the uninterrupted run's; the backward step among them,
        // as batch reports it over the finished file.
        let wholeLines = try Self.lastLines(whole.events)
        let resumedLines = try Self.lastLines(resumed.events)
        #expect(wholeLines == resumedLines)
        let batchEvents = folder.appendingPathComponent("batch.jsonl").path
        _ = try CommandLineTests.run(["analyze", log, "--events", batchEvents, "--no-progress"])
        let batch = try String(contentsOfFile: batchEvents, encoding: .utf8).split(separator: "\n")
        let backward = try #require(batch.first { $0.contains("time_backwards") })
        let backwardID = try #require(
            (try JSONSerialization.jsonObject(with: Data(backward.utf8)) as? [String: Any])?["id"] as? String)
        #expect(resumedLines[backwardID] == String(backward))
        #expect(wholeLines[backwardID] == String(backward))
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

    /// `--events-format`, `--pseudonymize` and `--summary-json` as analyze has them: SIEM
    /// documents valid against the published schemas, with the incident's activity; no client key
    /// or address in any output; the summary JSON written on exit, with the late record counted
    /// under its source.
    @Test(arguments: [
        (EventDocumentFormat.ecs, "ecs-8.17.0.schema.json"), (.ocsf, "ocsf-1.5.0-detection_finding.schema.json"),
    ])
    func outputOptionsAsAnalyzeHasThem(format: EventDocumentFormat, schema: String) throws {
        let folder = try TestSupport.temporaryDirectory()
        let key = folder.appendingPathComponent("key")
        try Data((0..<32).map { UInt8($0 * 7 + 3) }).write(to: key)
        let events = folder.appendingPathComponent("events.jsonl")
        let summary = folder.appendingPathComponent("summary.json")
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = [
            "live", "-", "--events", events.path, "--events-format", format.rawValue, "--summary-json", summary.path,
            "--pseudonymize", key.path, "--window", "10s", "--lateness", "1s", "--no-progress",
        ]
        let input = Pipe()
        let errorFile = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardInput = input
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        func line(_ index: Int, millis: Int64, model: String = "fraud-scorer") -> String {
            LiveAnalysisTests.record(index, millis: millis, model: model)
                .replacingOccurrences(of: #","host":"#, with: #","ip":"203.0.113.\#(index % 5)","host":"#)
                .replacingOccurrences(of: #""client":"k-"#, with: #""client":"secret-client-"#) + "\n"
        }
        var text = (0..<600).map { line($0, millis: LiveAnalysisTests.start + Int64($0) * 1_000) }.joined()
        text += line(600, millis: LiveAnalysisTests.start + 600_000, model: "fraud-dev")
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        // Once those are read and their windows closed, one record ten minutes behind them.
        Thread.sleep(forTimeInterval: 3)
        try input.fileHandleForWriting.write(contentsOf: Data(line(601, millis: LiveAnalysisTests.start).utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let errorText = try String(contentsOf: errorFile, encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(errorText)")

        let (status, output) = try OutputFormatTests.validate(schema: schema, documents: events)
        #expect(status == 0, "\(output)")
        let written = try String(contentsOf: events, encoding: .utf8)
        let documents = try OutputFormatTests.objects(written)
        let activities = documents.map { document -> String? in
            switch format {
            case .ocsf: (document["activity_name"] as? String)?.lowercased()
            default: (document["modelwatch"] as? [String: Any])?["activity"] as? String
            }
        }
        #expect(activities.contains("create") && activities.last == "close")
        #expect(activities.allSatisfy { $0 == "create" || $0 == "update" || $0 == "close" })
        #expect(written.contains("fraud-dev"))

        // No key or address in the events, the summary JSON or the terminal summary.
        let summaryText = try String(contentsOf: summary, encoding: .utf8)
        for output in [written, summaryText, errorText] {
            #expect(!output.contains("203.0.113.") && !output.contains("secret-client"), "\(output.prefix(2_000))")
        }
        #expect(errorText.contains("p-"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summaryText.utf8)) as? [String: Any])
        let sources = try #require(object["sources"] as? [[String: Any]])
        #expect(sources.map { $0["lines"] as? Int } == [602])
        #expect(sources.map { $0["late"] as? Int } == [1])
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
