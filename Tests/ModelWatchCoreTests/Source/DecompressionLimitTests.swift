import Foundation
import Testing

@testable import ModelWatchCore

/// A gzip bomb and a file of a million gzip members, generated here (never committed), read by
/// the built binary in bounded memory with the ratio reported.
@Suite struct DecompressionLimitTests {
    /// Memory the binary may take on these inputs: its ordinary working set, far below the
    /// gibibyte the bomb decodes to.
    static let residentLimitKiB = 400 * 1024

    /// Runs the binary on `file` under GNU time; returns its stdout and peak resident KiB.
    static func analyze(_ file: URL) throws -> (output: String, status: Int32, peakKiB: Int) {
        let report = file.deletingLastPathComponent().appendingPathComponent("time.txt")
        let run = try CommandLineTests.run(
            [
                "-f", "%M", "-o", report.path, CommandLineTests.binary.path, "analyze", file.path, "--threads", "2",
                "--no-progress",
            ], executable: "/usr/bin/time")
        let peak =
            Int(try String(contentsOf: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max
        return (run.standardOutput, run.status, peak)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aGigabyteOfZerosInAMegabyteIsReadInBoundedMemoryWithItsRatio() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // One member of 1 MiB of zeros (about 1 KiB compressed), 1,024 times: 1 GiB decoded.
        let member = try TestSupport.gzip(Data(count: 1 << 20))
        var bomb = Data(capacity: member.count * 1024)
        for _ in 0..<1024 { bomb.append(member) }
        let file = folder.appendingPathComponent("bomb.gz")
        try bomb.write(to: file)
        let result = try Self.analyze(file)
        #expect(result.status == 0)
        #expect(result.peakKiB < Self.residentLimitKiB, "peak \(result.peakKiB) KiB")
        #expect(result.output.contains("gzip ×1024"))
        #expect(result.output.contains("decompressed to"), "\(result.output)")
        #expect(result.output.contains("decompression bomb"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func aMillionGzipMembersAreCountedInBoundedMemory() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let member = try TestSupport.gzip(Data("x\n".utf8))
        var file = Data(capacity: member.count * 1_000_000)
        for _ in 0..<1_000_000 { file.append(member) }
        let path = folder.appendingPathComponent("members.gz")
        try file.write(to: path)
        let result = try Self.analyze(path)
        #expect(result.status == 0)
        #expect(result.peakKiB < Self.residentLimitKiB, "peak \(result.peakKiB) KiB")
        #expect(result.output.contains("gzip ×1000000"), "\(result.output.prefix(600))")
        #expect(result.output.contains("1000000"))
    }
}
