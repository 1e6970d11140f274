import Foundation
import Testing

@testable import ModelWatchCore

/// Runs the built `modelwatch` binary on fixtures and checks its output and exit status.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static var binary: URL {
        // The test bundle sits in the same products folder as the executable.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("modelwatch").path)
            && folder.path != "/"
        {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("modelwatch")
    }

    static func run(_ arguments: [String], input: Data? = nil, executable: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = arguments
        let output = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "modelwatch-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let error = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = output
        process.standardError = error
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        let writer = Thread {
            if let input { inputPipe.fileHandleForWriting.write(input) }
            try? inputPipe.fileHandleForWriting.close()
        }
        writer.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try error.close()
        let errorData = try Data(contentsOf: errorFile)
        return Run(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    static func fixture() throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        // Two files of distinct requests, each in time order (sorted by their leading `ts`).
        func records(_ range: Range<Int>) -> Data {
            Data((range.map { PipelineTests.inferenceLine($0) }.sorted().joined(separator: "\n") + "\n").utf8)
        }
        let compressed = try TestSupport.gzip(records(0..<3000))
        try compressed.prefix(compressed.count / 2).write(to: folder.appendingPathComponent("a-cut.jsonl.gz"))
        try TestSupport.gzip(records(3000..<6000)).write(to: folder.appendingPathComponent("b-whole.jsonl.gz"))
        let hostile =
            "1.2.3.4 - - [16/Nov/2026:19:01:35 -0500] \"GET /\u{1B}[2J HTTP/1.1\" 200 1 \"-\" \"x\" key=k-\u{1B}]0;pwned\u{07}evil\n"
        try Data(hostile.utf8).write(to: folder.appendingPathComponent("c-access.log"))
        return folder
    }

    @Test func analyzeWritesSpecEventsAndKeepsGoingAfterATruncatedArchive() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let eventsFile = folder.appendingPathComponent("events.jsonl")
        let run = try Self.run(["analyze", folder.path, "--events", eventsFile.path, "--no-progress"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("b-whole.jsonl.gz"))
        #expect(run.standardOutput.contains("fraud-scorer"))
        // The per-control table: 2022 id first, 2013 beside it, what was checked and found.
        let controlRows = run.standardOutput.split(separator: "\n").filter {
            $0.contains("A.12.4.2") && $0.contains("checked")
        }
        #expect(controlRows.count == 1)
        #expect(controlRows.first?.contains("8.15") == true)
        #expect(controlRows.first?.contains("1 event, worst high") == true)
        #expect(
            run.standardOutput.split(separator: "\n").contains { $0.contains("ops.change") && $0.contains("nothing") })
        let lines = try String(contentsOf: eventsFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(event["type"] as? String == "ops.logging.integrity.truncated")
        #expect(event["severity"] as? String == "high")
        for field in ["start", "end", "entity", "controls", "evidence", "message", "id"] {
            #expect(event[field] != nil, "missing \(field)")
        }
        let controls = try #require(event["controls"] as? [String: [String]])
        #expect(controls["iso27001_2022"] == ["8.15"])
        #expect(controls["iso27001_2013"] == ["A.12.4.2"])
        let entity = try #require(event["entity"] as? [String: String])
        #expect(entity["source"]?.hasSuffix("a-cut.jsonl.gz") == true)
        // Stable id: a second run gives the same line.
        let again = try Self.run(["analyze", folder.path, "--events", "-", "--no-progress", "--threads", "1"])
        #expect(again.standardOutput.split(separator: "\n").first == lines[0])
    }

    @Test func exitStatusFollowsTheSpec() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.run(["analyze", folder.path, "--fail-on", "high", "--no-progress"]).status == 1)
        #expect(try Self.run(["analyze", folder.path, "--fail-on", "critical", "--no-progress"]).status == 0)
        #expect(try Self.run(["analyze", folder.appendingPathComponent("missing").path]).status == 2)
        #expect(try Self.run(["analyze", folder.path, "--fail-on", "loud"]).status == 2)
        #expect(try Self.run(["analyze", folder.path, "--access-format", "$a$b"]).status == 2)
    }

    @Test func terminalControlCharactersFromLogsAreNeutralised() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.run(["analyze", folder.path, "--no-progress"])
        #expect(run.standardOutput.contains("k-?]0;pwned?evil"))
        #expect(!run.standardOutput.contains("\u{1B}"))
        #expect(!run.standardOutput.contains("\u{07}"))
    }

    @Test func readsStandardInput() throws {
        let lines = (0..<500).map { PipelineTests.inferenceLine($0) }.joined(separator: "\n") + "\n"
        let run = try Self.run(["analyze", "-", "--no-progress"], input: try TestSupport.gzip(Data(lines.utf8)))
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("gzip ×1"))
        #expect(run.standardOutput.contains(" 500 "))
    }
}
