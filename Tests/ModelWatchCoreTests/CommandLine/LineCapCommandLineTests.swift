import Foundation
import Testing

@testable import ModelWatchCore

/// `--line-cap` has an upper bound (spans inside a line are 32-bit): a larger value is a usage
/// error (exit 2) naming the bound, and the bound itself is accepted.
@Suite struct LineCapCommandLineTests {
    @Test func lineCapAboveTheBoundIsAUsageError() throws {
        let folder = try CommandLineTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CommandLineTests.run([
            "analyze", folder.path, "--no-progress", "--line-cap", String(AnalysisOptions.maximumLineCap + 1),
        ])
        #expect(run.status == 2)
        #expect(run.standardError.contains("--line-cap must be at most \(AnalysisOptions.maximumLineCap) bytes"))
        let wrapped = try CommandLineTests.run(["analyze", folder.path, "--no-progress", "--line-cap", "4294967312"])
        #expect(wrapped.status == 2)
    }

    @Test func lineCapAtTheBoundIsAccepted() throws {
        let folder = try CommandLineTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CommandLineTests.run([
            "analyze", folder.path, "--no-progress", "--line-cap", String(AnalysisOptions.maximumLineCap),
        ])
        #expect(run.status == 0)
        #expect(run.standardOutput.contains("b-whole.jsonl.gz"))
    }
}
