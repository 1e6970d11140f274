import FuzzSupport
import ModelWatchCore

/// Both timestamp parsers, and the formatter on what they return (a round trip must not trap).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimestamps(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let millis = TimestampParser.parseRFC3339(bytes) { _ = TimestampParser.formatRFC3339(millis: millis) }
    if let millis = TimestampParser.parseCommonLogTime(bytes) { _ = TimestampParser.formatRFC3339(millis: millis) }
    if size >= 8 {
        let value = bytes.loadUnaligned(as: Double.self)
        if let millis = TimestampParser.millisFromEpochNumber(value) {
            _ = TimestampParser.formatRFC3339(millis: millis)
        }
    }
    return 0
}

runFuzzer(fuzzTimestamps)
