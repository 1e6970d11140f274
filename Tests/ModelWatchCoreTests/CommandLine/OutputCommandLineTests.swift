import Foundation
import Testing

@testable import ModelWatchCore

/// The built binary against outputs that are not plain files, full, closed or forbidden, and
/// against an empty input: the failures issue 15 lists, each as a run with its exit status.
@Suite struct OutputCommandLineTests {
    /// A small access log that raises several events (five scanners' probes).
    static func fixture() throws -> URL {
        let folder = try TestSupport.temporaryDirectory()
        var lines: [String] = []
        for scanner in 1...5 {
            for (index, path) in ["/.env", "/.git/config", "/wp-login.php", "/actuator/env"].enumerated() {
                lines.append(
                    "203.0.113.\(scanner) - - [16/Nov/2026:10:0\(scanner):0\(index) +0000] \"GET \(path) HTTP/1.1\" 404 10 \"-\" \"sqlmap/1.7\""
                )
            }
        }
        for second in 0..<50 {
            lines.append(
                "198.51.100.\(second % 7) - - [16/Nov/2026:10:01:\(String(format: "%02d", second)) +0000] \"GET /v1/models HTTP/1.1\" 200 10 \"-\" \"curl/8\""
            )
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("access.log"))
        return folder
    }

    /// Runs `script` in bash with `$MW` the binary and `$IN` the fixture folder.
    static func shell(_ script: String, input folder: URL) throws -> CommandLineTests.Run {
        try CommandLineTests.run(
            ["-c", "MW='\(CommandLineTests.binary.path)' IN='\(folder.path)'; \(script)"], executable: "/bin/bash")
    }

    @Test func eventsOnAFullDeviceExitThreeAndTheDeviceStaysADevice() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CommandLineTests.run(["analyze", folder.path, "--events", "/dev/full", "--no-progress"])
        #expect(run.status == 3, "\(run.standardError)")
        #expect(run.standardError.contains("cannot write the events to /dev/full"))
        #expect(run.standardError.contains("ENOSPC"))
        var status = stat()
        #expect(lstat("/dev/full", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR)
    }

    @Test func eventsToAFullStandardOutputExitThreeWithoutACrash() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.shell(
            "\"$MW\" analyze \"$IN\" --events - --no-progress >/dev/full; echo \"status=$?\"", input: folder)
        #expect(run.standardOutput.contains("status=3"), "\(run.standardError)")
        #expect(run.standardError.contains("cannot write the events to standard output"))
        #expect(!run.standardError.contains("Fatal error"))
    }

    @Test func theSummaryToAFullStandardOutputExitsThree() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.shell("\"$MW\" analyze \"$IN\" --no-progress >/dev/full; echo \"status=$?\"", input: folder)
        #expect(run.standardOutput.contains("status=3"), "\(run.standardError)")
        #expect(run.standardError.contains("cannot write the summary to standard output"))
        #expect(run.standardError.contains("ENOSPC"))
    }

    @Test func aClosedStandardOutputEndsTheEventsQuietlyAndTheSummaryStillComes() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        // `sleep` holds the pipe's read end closed before the binary writes: `head -0` exits at once.
        let run = try Self.shell(
            "\"$MW\" analyze \"$IN\" --events - --no-progress | head -c 0; echo \"status=${PIPESTATUS[0]}\" >&2",
            input: folder)
        #expect(run.standardError.contains("status=0"), "\(run.standardError)")
        #expect(run.standardError.contains("Sources"), "the summary goes to standard error")
        #expect(!run.standardError.contains("cannot write"))
        let headRun = try Self.shell(
            "\"$MW\" analyze \"$IN\" --events - --no-progress 2>/dev/null | head -3 | wc -l; echo \"status=${PIPESTATUS[0]}\"",
            input: folder)
        #expect(headRun.standardOutput.hasPrefix("3\n"), "\(headRun.standardOutput)")
        #expect(headRun.standardOutput.contains("status=0"))
    }

    @Test func eventsToAFIFOComeOutOfTheFIFO() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("events.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let run = try Self.shell(
            "cat '\(fifo)' > \"$IN/received\" & \"$MW\" analyze \"$IN/access.log\" --events '\(fifo)' --no-progress >/dev/null; echo \"status=$?\"; wait",
            input: folder)
        #expect(run.standardOutput.contains("status=0"), "\(run.standardError)")
        let received = try String(contentsOf: folder.appendingPathComponent("received"), encoding: .utf8)
        #expect(received.contains("\"type\":\"ops.vuln_probe\""))
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
    }

    @Test func eventsThroughASymbolicLinkReplaceTheTargetAndKeepTheLink() throws {
        let folder = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("target.jsonl")
        try Data("old\n".utf8).write(to: target)
        let link = folder.appendingPathComponent("link.jsonl").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target.path)
        let run = try CommandLineTests.run([
            "analyze", folder.appendingPathComponent("access.log").path, "--events", link, "--no-progress",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target.path)
        #expect(try String(contentsOf: target, encoding: .utf8).contains("ops.vuln_probe"))
    }

    @Test func aReadOnlyFolderExitsThreeWithEACCESAndKeepsThePreviousFile() throws {
        let folder = try Self.fixture()
        defer {
            chmod(folder.path, 0o755)
            try? FileManager.default.removeItem(at: folder)
        }
        chmod(folder.path, 0o755)
        let output = folder.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let previous = output.appendingPathComponent("events.jsonl")
        try Data("previous\n".utf8).write(to: previous)
        chmod(output.path, 0o555)
        defer { chmod(output.path, 0o755) }
        // Root writes into read-only folders: run as `nobody` then (setpriv, util-linux).
        let asUser = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : ""
        chmod(folder.appendingPathComponent("access.log").path, 0o644)
        let run = try Self.shell(
            "\(asUser)\"$MW\" analyze \"$IN/access.log\" --events '\(previous.path)' --no-progress >/dev/null; echo \"status=$?\"",
            input: folder)
        #expect(run.standardOutput.contains("status=3"), "\(run.standardError)")
        #expect(run.standardError.contains("EACCES"))
        #expect(try String(contentsOf: previous, encoding: .utf8) == "previous\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path) == ["events.jsonl"])
    }

    @Test func anEmptyInputIsSaidPlainlyAndFailsFailOnUnlessAllowed() throws {
        let plain = try CommandLineTests.run(["analyze", "-", "--no-progress"], input: Data())
        #expect(plain.status == 0)
        #expect(plain.standardOutput.hasPrefix("No input records"))
        let failing = try CommandLineTests.run(["analyze", "-", "--fail-on", "info", "--no-progress"], input: Data())
        #expect(failing.status == 1)
        #expect(failing.standardError.contains("no input records"))
        let allowed = try CommandLineTests.run(
            ["analyze", "-", "--fail-on", "info", "--allow-empty", "--no-progress"], input: Data())
        #expect(allowed.status == 0)
        // Lines that are all rejected are no records either.
        let junk = try CommandLineTests.run(
            ["analyze", "-", "--fail-on", "critical", "--no-progress"], input: Data("not a log\nnor this\n".utf8))
        #expect(junk.status == 1)
    }

    @Test func versionIsPrinted() throws {
        let run = try CommandLineTests.run(["--version"])
        #expect(run.status == 0)
        #expect(run.standardOutput == ModelWatchVersion.current + "\n")
    }
}
