import Foundation
import Testing

@testable import ModelWatchCore

/// The signature lists compiled into the binary are the data files, and the binary needs no
/// resource bundle (issue 15: a copy in /usr/local/bin crashed looking for one).
@Suite struct SignatureListTests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/ModelWatchCore/Features/Probes/data")

    @Test func theCompiledListsMatchTheDataFiles() throws {
        for (file, text) in [
            ("scanner-user-agents.txt", BundledSignatureLists.scannerUserAgents),
            ("probe-paths.txt", BundledSignatureLists.probePaths),
            ("admin-paths.txt", BundledSignatureLists.adminPaths),
        ] {
            let onDisk = try String(contentsOf: Self.data.appendingPathComponent(file), encoding: .utf8)
            #expect(
                RequestSignatures.parseList(text) == RequestSignatures.parseList(onDisk),
                "\(file) changed: run tools/generate_signatures.py")
            #expect(!RequestSignatures.parseList(text).isEmpty)
        }
    }

    @Test func aCopiedBinaryRunsFromAnotherFolderWithItsSignatures() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("bin/modelwatch")
        try FileManager.default.createDirectory(
            at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CommandLineTests.binary, to: copy)
        let log = folder.appendingPathComponent("access.log")
        try Data(
            "203.0.113.9 - - [16/Nov/2026:10:00:00 +0000] \"GET /.env HTTP/1.1\" 404 1 \"-\" \"Nikto/2.5\"\n".utf8
        ).write(to: log)
        let run = try CommandLineTests.run(
            ["-c", "cd / && '\(copy.path)' analyze '\(log.path)' --events - --no-progress"], executable: "/bin/sh")
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("\"type\":\"ops.vuln_probe\""), "\(run.standardOutput)")
        // The lists are inside the executable itself, not in a resource folder beside it.
        let binary = try Data(contentsOf: copy)
        let line = try #require(RequestSignatures.parseList(BundledSignatureLists.probePaths).last)
        #expect(binary.range(of: Data(line.utf8)) != nil)
    }
}
