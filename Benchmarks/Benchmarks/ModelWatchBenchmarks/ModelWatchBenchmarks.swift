import Benchmark
import Foundation
import ModelWatchCore

/// Inputs built once per process: 20,000 inference JSON lines and 20,000 access-log lines of
/// the shapes SPEC.md gives, and the JSON lines gzip-compressed by the system's `gzip`.
enum Inputs {
    static let lineCount = 20_000

    static let inferenceLines: [[UInt8]] = (0..<lineCount).map { index in
        let line =
            #"{"ts":"2026-11-17T00:\#(pad(index / 60 % 60)):\#(pad(index % 60)).\#(index % 1000)Z","request_id":"f563d66e-\#(index)","model":"fraud-scorer","model_version":"3.2.1","client":"k-\#(index % 977)","ip":"94.15.\#(index % 250).\#(index % 7)","host":"inf-\#(index % 3)","latency_ms":\#(Double(index % 900) / 10 + 1),"status":\#(index % 97 == 0 ? 503 : 200),"features":{"amount":\#(Double(index % 10_000) / 100),"country":"SA","tx_24h":\#(index % 30),"is_new_device":false,"merchant_cat":null},"prediction":"legit","score":0.9404}"#
        return Array(line.utf8)
    }

    static let accessLines: [[UInt8]] = (0..<lineCount).map { index in
        let line =
            #"94.15.\#(index % 250).\#(index % 7) - - [16/Nov/2026:19:\#(pad(index / 60 % 60)):\#(pad(index % 60)) -0500] "POST /v1/models/fraud-scorer/predict HTTP/1.1" 200 \#(100 + index % 400) "-" "python-requests/2.31" rt=0.0\#(10 + index % 80) rid=f563d66e-\#(index) key=k-\#(index % 977)"#
        return Array(line.utf8)
    }

    /// About 20 MB of JSON lines, one line after another.
    static let framingInput: [UInt8] = {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(21_000_000)
        while bytes.count < 20_000_000 {
            for line in inferenceLines {
                bytes += line
                bytes.append(0x0A)
            }
        }
        return bytes
    }()

    static let gzipInput: [UInt8] = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -c -6"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try! process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(Data(framingInput))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }()

    /// Lines laid end to end in one buffer, with each line's range, so a benchmark parses them
    /// in place without copying (the pipeline parses lines inside a chunk the same way).
    static func packed(_ lines: [[UInt8]]) -> (bytes: [UInt8], ranges: [Range<Int>]) {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for line in lines {
            ranges.append(bytes.count..<(bytes.count + line.count))
            bytes += line
            bytes.append(0x0A)
        }
        return (bytes, ranges)
    }

    static let packedInference = packed(inferenceLines)
    static let packedAccess = packed(accessLines)

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// The same 20,000 requests in the native schemas and each preset, written by
    /// `Benchmarks/formats.py` (run from the repository root), packed per file name.
    static let presetInputs: [String: (bytes: [UInt8], ranges: [Range<Int>])] = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("modelwatch-preset-benchmark")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("formats.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, folder.path, String(lineCount)]
        try! process.run()
        process.waitUntilExit()
        var inputs: [String: (bytes: [UInt8], ranges: [Range<Int>])] = [:]
        for name in try! FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let data = try! Data(contentsOf: folder.appendingPathComponent(name))
            inputs[name] = packed(data.split(separator: 0x0A).map { [UInt8]($0) })
        }
        return inputs
    }()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 50)

    Benchmark("LineFramer: 20 MB of JSON lines in 256 KiB blocks") { benchmark in
        let input = Inputs.framingInput
        benchmark.startMeasurement()
        var framer = LineFramer(sourceIndex: 0)
        var chunks = 0
        input.withUnsafeBytes { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(buffer.count, start + 256 * 1024)
                framer.append(UnsafeRawBufferPointer(rebasing: buffer[start..<end])) { _ in chunks += 1 }
                start = end
            }
        }
        framer.finish { _ in chunks += 1 }
        blackHole(chunks)
    }

    Benchmark("InferenceLineParser: 20,000 JSON lines") { benchmark in
        let parser = InferenceLineParser()
        benchmarkParsing(benchmark, Inputs.packedInference) { line, record throws(LineRejection) in
            try parser.parse(line, into: &record)
        }
    }

    Benchmark("AccessLogParser: 20,000 combined lines with extras") { benchmark in
        let parser = AccessLogParser()
        benchmarkParsing(benchmark, Inputs.packedAccess) { line, record throws(LineRejection) in
            try parser.parse(line, into: &record)
        }
    }

    // Issue 14's bar: each preset within 2x the native parser of its family on the same requests.
    let presets: [(String, (UnsafeMutableRawBufferPointer, inout ParsedRecord) throws(LineRejection) -> Void)] = [
        ("native.jsonl", InferenceLineParser().parse), ("bedrock.jsonl", BedrockRecordParser().parse),
        ("litellm.jsonl", LiteLLMRecordParser().parse), ("kong-ai.jsonl", KongAIRecordParser().parse),
        ("sagemaker-capture.jsonl", SageMakerCaptureRecordParser().parse), ("combined.log", AccessLogParser().parse),
        ("alb.log", ALBRecordParser().parse), ("gcp-lb.jsonl", GCPLoadBalancerRecordParser().parse),
        ("nginx-json.log", NginxJSONRecordParser().parse),
    ]
    for (name, parse) in presets {
        Benchmark("Preset parse: 20,000 requests as \(name)") { benchmark in
            benchmarkParsing(benchmark, Inputs.presetInputs[name]!, parse)
        }
    }

    Benchmark("GzipMemberReader: 20 MB decoded") { benchmark in
        let input = Inputs.gzipInput
        var output = [UInt8](repeating: 0, count: 256 * 1024)
        benchmark.startMeasurement()
        let reader = try GzipMemberReader()
        var decoded = 0
        input.withUnsafeBytes { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(buffer.count, start + 256 * 1024)
                output.withUnsafeMutableBytes { out in
                    reader.decode(UnsafeRawBufferPointer(rebasing: buffer[start..<end]), output: out) {
                        decoded += $0.count
                    }
                }
                start = end
            }
        }
        precondition(reader.finish() == .complete)
        blackHole(decoded)
    }
}

/// Parses every line of `input` in place with `parse`, measuring only the parsing.
func benchmarkParsing(
    _ benchmark: Benchmark, _ input: (bytes: [UInt8], ranges: [Range<Int>]),
    _ parse: (UnsafeMutableRawBufferPointer, inout ParsedRecord) throws(LineRejection) -> Void
) {
    var bytes = input.bytes
    var record = ParsedRecord()
    bytes.withUnsafeMutableBytes { _ in }  // make the copy unique before measuring
    benchmark.startMeasurement()
    var parsed = 0
    bytes.withUnsafeMutableBytes { buffer in
        for range in input.ranges
        where (try? parse(UnsafeMutableRawBufferPointer(rebasing: buffer[range]), &record)) != nil {
            parsed += 1
        }
    }
    blackHole(parsed)
}
