import Foundation
import Testing

@testable import ModelWatchCore

/// Helpers shared by the tests: temporary folders, gzip through the system `gzip`, parsing a
/// line from a String.
enum TestSupport {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("modelwatch-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Compresses `data` with the system's `gzip -c` (an independent encoder).
    static func gzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c -n"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return result
    }

    static func parseInference(_ text: String) -> Result<ParsedRecord, LineRejection> {
        var bytes = Array(text.utf8)
        var record = ParsedRecord()
        return bytes.withUnsafeMutableBytes { buffer -> Result<ParsedRecord, LineRejection> in
            do throws(LineRejection) {
                try InferenceLineParser().parse(buffer, into: &record)
                return .success(record)
            } catch {
                return .failure(error)
            }
        }
    }

    /// Parses an inference line and hands the record and its (possibly unescaped) bytes to `body`.
    static func withInference<T>(_ text: String, _ body: (ParsedRecord, UnsafeRawBufferPointer) throws -> T) throws -> T
    {
        var bytes = Array(text.utf8)
        var record = ParsedRecord()
        return try bytes.withUnsafeMutableBytes { buffer in
            try InferenceLineParser().parse(buffer, into: &record)
            return try body(record, UnsafeRawBufferPointer(buffer))
        }
    }

    static func withAccess<T>(
        _ text: String, format: AccessLogFormat? = nil, _ body: (ParsedRecord, UnsafeRawBufferPointer) throws -> T
    ) throws -> T {
        var bytes = Array(text.utf8)
        var record = ParsedRecord()
        return try bytes.withUnsafeMutableBytes { buffer in
            try AccessLogParser(format: format).parse(buffer, into: &record)
            return try body(record, UnsafeRawBufferPointer(buffer))
        }
    }

    static func string(_ span: ByteSpan, _ bytes: UnsafeRawBufferPointer) -> String? {
        guard !span.isAbsent else { return nil }
        return String(decoding: span.bytes(in: bytes), as: UTF8.self)
    }

    /// Runs the batch pipeline over `paths` and returns the merged summary.
    static func analyze(_ paths: [String], threads: Int = 2, configure: (inout AnalysisOptions) -> Void = { _ in })
        throws
        -> AnalysisSummary
    {
        var options = AnalysisOptions(threads: threads)
        configure(&options)
        return BatchAnalyzer(options: options).run(try InputDiscovery.expand(paths))
    }
}
