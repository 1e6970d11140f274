import Foundation
import Testing

@testable import ModelWatchCore

/// `analyze --save-state` and `merge` through the built binary: outputs, exit statuses and messages.
@Suite struct StateCommandLineTests {
    static let samples = SampleArchiveTests.samples.path

    /// (type, severity, entity, id) of each event line at or above `minimum`, sorted.
    static func incidents(_ path: String, minimum: Severity = .info) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line -> String? in
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let severity = try #require(Severity(name: object["severity"] as? String ?? ""))
            guard severity >= minimum else { return nil }
            let entity = (object["entity"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
            return "\(object["type"]!) \(severity.name) \(entity) \(object["id"]!)"
        }.sorted()
    }

    @Test func shardsSavedAndMergedReportWhatOneAnalyzeReports() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.path
        let whole = try CommandLineTests.run([
            "analyze", Self.samples, "--events", out + "/whole.jsonl", "--no-progress", "--save-state",
            out + "/whole.state",
        ])
        #expect(whole.status == 0, "\(whole.standardError)")
        var states: [String] = []
        for shard in ["inference/inf-1", "inference/inf-2", "gateway"] {
            let state = out + "/" + shard.replacingOccurrences(of: "/", with: "-") + ".state"
            let run = try CommandLineTests.run([
                "analyze", Self.samples + "/" + shard, "--no-progress", "--save-state", state,
            ])
            #expect(run.status == 0, "\(run.standardError)")
            states.append(state)
        }
        let merged = try CommandLineTests.run(["merge"] + states.reversed() + ["--events", out + "/merged.jsonl"])
        #expect(merged.status == 0, "\(merged.standardError)")
        let expected = try Self.incidents(out + "/whole.jsonl", minimum: .medium)
        #expect(expected.count >= 6)
        #expect(try Self.incidents(out + "/merged.jsonl", minimum: .medium) == expected)
        #expect(try Self.incidents(out + "/merged.jsonl") == Self.incidents(out + "/whole.jsonl"))
        // The summary is the same report: the same sources and models.
        #expect(merged.standardOutput.contains("2026-11-15-partial.jsonl.gz"))
        #expect(merged.standardOutput.contains("fraud-scorer"))

        // The whole run's own state, merged alone, gives its events back byte for byte.
        let alone = try CommandLineTests.run(["merge", out + "/whole.state", "--events", out + "/alone.jsonl"])
        #expect(alone.status == 0)
        #expect(
            try String(contentsOfFile: out + "/alone.jsonl", encoding: .utf8)
                == String(contentsOfFile: out + "/whole.jsonl", encoding: .utf8))

        // --fail-on works as for analyze; events to standard output put the summary on standard error.
        let failing = try CommandLineTests.run(["merge"] + states + ["--fail-on", "high", "--events", "-"])
        #expect(failing.status == 1)
        #expect(failing.standardOutput.contains("\"type\":\"abuse.extraction\""))
        #expect(failing.standardError.contains("fraud-scorer"))

        // A merged state saved and merged again with nothing else: the same incidents.
        let saved = try CommandLineTests.run(["merge"] + states + ["--save-state", out + "/merged.state"])
        #expect(saved.status == 0)
        let again = try CommandLineTests.run(["merge", out + "/merged.state", "--events", out + "/again.jsonl"])
        #expect(again.status == 0)
        #expect(try Self.incidents(out + "/again.jsonl") == Self.incidents(out + "/merged.jsonl"))

        // The same state twice, or the whole run beside one of its shards: refused, exit 2.
        let twice = try CommandLineTests.run(["merge", states[0], states[1], states[0]])
        #expect(twice.status == 2)
        #expect(twice.standardError.contains("hold the same analyze run"))
        let overlap = try CommandLineTests.run(["merge", out + "/whole.state", states[2]])
        #expect(overlap.status == 2)
        #expect(overlap.standardError.contains("gateway/access.log"))
        #expect(overlap.standardError.contains("count it twice"))
    }

    @Test func damagedAndForeignStatesExitTwoNamingTheFile() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("inf-2.state").path
        let run = try CommandLineTests.run([
            "analyze", Self.samples + "/inference/inf-2", "--no-progress", "--save-state", state,
        ])
        #expect(run.status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: state))
        let truncated = folder.appendingPathComponent("truncated.state").path
        FileManager.default.createFile(atPath: truncated, contents: bytes.prefix(bytes.count - 100))
        let refused = try CommandLineTests.run(["merge", state, truncated])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains(truncated + ": "))
        #expect(refused.standardError.contains("truncated"))

        let foreign = try CommandLineTests.run(["merge", Self.samples + "/gateway/access.log"])
        #expect(foreign.status == 2)
        #expect(foreign.standardError.contains("not a modelwatch state file"))
        let missing = try CommandLineTests.run(["merge", folder.appendingPathComponent("none.state").path])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("none.state"))
    }

    @Test func unwritableStateExitsThreeAndDevicesAreWrittenInPlace() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = Self.samples + "/inference/inf-2/2026-11-15-partial.jsonl.gz"
        let nowhere = folder.appendingPathComponent("missing/x.state").path
        let failed = try CommandLineTests.run(["analyze", input, "--no-progress", "--save-state", nowhere])
        #expect(failed.status == 3)
        #expect(failed.standardError.contains("cannot write the state to \(nowhere)"))
        #expect(failed.standardError.contains("No such file or directory"))

        // A folder in the way: exit 3, and the folder is still there.
        let directory = folder.appendingPathComponent("a-folder").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let blocked = try CommandLineTests.run(["analyze", input, "--no-progress", "--save-state", directory])
        #expect(blocked.status == 3)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue)

        // /dev/null is a device: written in place, never replaced.
        let device = try CommandLineTests.run(["analyze", input, "--no-progress", "--save-state", "/dev/null"])
        #expect(device.status == 0)
        let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(type == .typeCharacterSpecial)
    }
}

/// The atomic writer on its own.
@Suite struct OutputFileTests {
    @Test func replacesARegularFileAndLeavesNoTemporaryFile() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("out.txt").path
        try OutputFile.write(Array("first".utf8), to: path)
        try OutputFile.write(Array("second, longer".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second, longer")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.txt"])
    }

    @Test func followsASymbolicLinkAndKeepsIt() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("real.txt").path
        let link = folder.appendingPathComponent("link.txt").path
        try OutputFile.write(Array("old".utf8), to: target)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try OutputFile.write(Array("new".utf8), to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new")
    }

    @Test func aMissingFolderIsAnErrorWithItsCause() throws {
        let error = try #require(throws: OutputFile.WriteError.self) {
            try OutputFile.write([1, 2, 3], to: "/nonexistent-modelwatch-folder/out.state")
        }
        #expect(error.path == "/nonexistent-modelwatch-folder/out.state")
        #expect(error.cause.contains("No such file or directory"))
    }
}
