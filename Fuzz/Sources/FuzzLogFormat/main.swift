import FuzzSupport
import ModelWatchCore

/// The nginx `log_format` compiler on arbitrary text; a format it accepts then parses its own
/// input bytes as a line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogFormat(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let format = try? AccessLogFormat(nginx: text) else { return 0 }
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var record = ParsedRecord()
    bytes.withUnsafeMutableBytes { line in
        _ = try? AccessLogParser(format: format).parse(line, into: &record)
    }
    return 0
}

runFuzzer(fuzzLogFormat)
