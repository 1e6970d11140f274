import Foundation
import Testing

@testable import ModelWatchCore

/// `analyze --inputs-from FILE`: local copies reported under their original names, as the
/// Spark integration uses it for files it copied from object storage.
@Suite struct InputListTests {
    /// Writes `entries` as the JSON input list `list.json` in `folder`.
    static func writeList(_ entries: [Any], in folder: URL) throws -> URL {
        let list = folder.appendingPathComponent("list.json")
        try JSONSerialization.data(withJSONObject: entries).write(to: list)
        return list
    }

    @Test func copiesNamedAsTheirOriginalsGiveTheSameEventsAsTheOriginals() throws {
        let folder = try CommandLineTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copies = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: copies) }
        let originals = try InputDiscovery.expand([folder.path])
        #expect(originals.count == 3)
        var entries: [Any] = []
        for (index, original) in originals.enumerated() {
            // Copies under meaningless names, as a task's temporary folder holds them.
            let copy = copies.appendingPathComponent("\(index)")
            try FileManager.default.copyItem(atPath: original.path, toPath: copy.path)
            entries.append(["path": copy.path, "name": original.path])
        }
        let list = try Self.writeList(entries, in: copies)

        let direct = copies.appendingPathComponent("direct.jsonl")
        let listed = copies.appendingPathComponent("listed.jsonl")
        let first = try CommandLineTests.run(["analyze", folder.path, "--events", direct.path, "--no-progress"])
        let second = try CommandLineTests.run([
            "analyze", "--inputs-from", list.path, "--events", listed.path, "--no-progress",
        ])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(second.status == 0, "\(second.standardError)")
        let directEvents = try String(contentsOf: direct, encoding: .utf8)
        // The truncated archive's event names the original, never the copy: same ids, same lines.
        #expect(directEvents.contains("a-cut.jsonl.gz"))
        #expect(try String(contentsOf: listed, encoding: .utf8) == directEvents)
        #expect(!second.standardOutput.contains(copies.path))
    }

    @Test func aNameStandsForTheFileInTheEventsAndTheSummary() throws {
        let folder = try CommandLineTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cut = folder.appendingPathComponent("a-cut.jsonl.gz").path
        let name = "s3a://logs/inf-1/2026-11-01.jsonl.gz"
        // A named copy and a plain directory entry, in one list.
        let other = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        try FileManager.default.copyItem(
            atPath: folder.appendingPathComponent("b-whole.jsonl.gz").path,
            toPath: other.appendingPathComponent("b.jsonl.gz").path)
        let list = try Self.writeList([["path": cut, "name": name], other.path], in: other)
        let events = other.appendingPathComponent("events.jsonl")
        let run = try CommandLineTests.run([
            "analyze", "--inputs-from", list.path, "--events", events.path, "--no-progress",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains(name))
        #expect(run.standardOutput.contains("b.jsonl.gz"))
        let integrity = try String(contentsOf: events, encoding: .utf8).split(separator: "\n").filter {
            $0.contains("ops.logging.integrity")
        }
        #expect(integrity.count == 1)
        #expect(integrity.first?.contains("\"source\":\"\(name)\"") == true)
        #expect(integrity.first?.contains(cut) == false)
    }

    @Test func aBadListIsAUsageErrorThatNamesIt() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let notJSON = folder.appendingPathComponent("broken.json")
        try Data("[{\"path\": ".utf8).write(to: notJSON)
        let directoryNamed = try Self.writeList([["path": folder.path, "name": "s3a://x/"]], in: folder)
        let missing = folder.appendingPathComponent("missing.json")
        let emptyName = folder.appendingPathComponent("empty-name.json")
        try Data("[{\"path\": \"\(notJSON.path)\", \"name\": \"\"}]".utf8).write(to: emptyName)
        for (list, says) in [
            (notJSON.path, "not valid JSON"), (directoryNamed.path, "must be a file"),
            (missing.path, "cannot read"), (emptyName.path, "\"name\""),
        ] {
            let run = try CommandLineTests.run(["analyze", "--inputs-from", list, "--no-progress"])
            #expect(run.status == 2, "\(list): \(run.standardError)")
            #expect(run.standardError.contains(says), "\(run.standardError)")
            #expect(run.standardError.contains(list), "\(run.standardError)")
        }
        let nothing = try CommandLineTests.run(["analyze", "--no-progress"])
        #expect(nothing.status == 2)
    }
}

/// A state records each source's identity from the file it opened, not from its reported name,
/// so `merge` still recognises a remote file analysed twice (two shards, or a retried task
/// whose state was kept as well) and refuses to count it twice.
@Suite struct InputListStateTests {
    @Test func aNamedCopyInTwoStatesIsRefusedByMerge() throws {
        let folder = try CommandLineTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = folder.appendingPathComponent("b-whole.jsonl.gz").path
        var states: [String] = []
        for attempt in 0..<2 {
            let copy = folder.appendingPathComponent("copy-\(attempt)").path
            try FileManager.default.copyItem(atPath: whole, toPath: copy)
            let list = folder.appendingPathComponent("list-\(attempt).json")
            try JSONSerialization.data(withJSONObject: [
                ["path": copy, "name": "s3a://logs/attempt-\(attempt)/b.jsonl.gz"]
            ]).write(to: list)
            let state = folder.appendingPathComponent("state-\(attempt)").path
            let run = try CommandLineTests.run([
                "analyze", "--inputs-from", list.path, "--save-state", state, "--no-progress",
            ])
            #expect(run.status == 0, "\(run.standardError)")
            states.append(state)
        }
        let merged = try CommandLineTests.run(["merge"] + states)
        #expect(merged.status == 2, "\(merged.standardOutput)")
        #expect(merged.standardError.contains("twice"), "\(merged.standardError)")
        let single = try CommandLineTests.run(["merge", states[0]])
        #expect(single.status == 0, "\(single.standardError)")
        #expect(single.standardOutput.contains("s3a://logs/attempt-0/b.jsonl.gz"))
    }
}
