import Foundation
import Testing

@testable import ModelWatchCore

/// `modelwatch baseline` and `analyze --baseline` through the built binary.
@Suite struct DriftCommandLineTests {
    @Test func baselineThenAnalyzeWithIt() throws {
        let folder = try TestSupport.temporaryDirectory()
        var drifted = DriftDetectorTests.Day()
        drifted.amountMu = 4.3
        let text = DriftDetectorTests.lines([DriftDetectorTests.Day(), DriftDetectorTests.Day(), drifted])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The first day alone, and the two days after it, in separate folders.
        let reference = folder.appendingPathComponent("reference")
        let later = folder.appendingPathComponent("later")
        for url in [reference, later] {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        try Data((lines[0..<3000].joined(separator: "\n") + "\n").utf8).write(
            to: reference.appendingPathComponent("a.jsonl"))
        try Data(lines[3000...].joined(separator: "\n").utf8).write(to: later.appendingPathComponent("b.jsonl"))
        let baseline = folder.appendingPathComponent("baseline.json").path

        let written = try CommandLineTests.run(["baseline", reference.path, "--output", baseline])
        #expect(written.status == 0, "\(written.standardError)")
        #expect(written.standardOutput.contains("m: 3000 records from 2026-11-16T00:00:00Z"))
        let json = try #require(FileManager.default.contents(atPath: baseline))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["format"] as? String == "modelwatch-baseline")
        #expect(object["version"] as? Int == 1)

        let run = try CommandLineTests.run([
            "analyze", later.path, "--baseline", baseline, "--events", "-", "--no-progress",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let events = run.standardOutput.split(separator: "\n").map { String($0) }
        #expect(events.contains { $0.contains(#""type":"drift.feature""#) && $0.contains(#""feature":"amount""#) })
        #expect(events.contains { $0.contains(#""reference_origin":"baseline \#(baseline)""#) })
        // The summary's drift table names the reference and the verdicts.
        #expect(run.standardError.contains("Drift: m against baseline \(baseline)"))
        #expect(run.standardError.contains("DRIFT (critical)"))

        let missing = try CommandLineTests.run([
            "analyze", later.path, "--baseline", folder.appendingPathComponent("none").path,
        ])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("cannot read baseline file"))
    }
}
