import FuzzSupport
import ModelWatchCore

/// The inference JSON-lines parser (its byte-level JSON scanner) on arbitrary bytes: it must
/// reject or parse, never crash or read outside the line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInferenceLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var record = ParsedRecord()
    bytes.withUnsafeMutableBytes { line in
        _ = try? InferenceLineParser().parse(line, into: &record)
    }
    return 0
}

runFuzzer(fuzzInferenceLine)
