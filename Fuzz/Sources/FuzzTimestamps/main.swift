import Glibc
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

// The entry point: SwiftPM links an executable target's entry under its own name, so libFuzzer's
// `main` is not used; this hands the command line to libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

var fuzzerArgc = CommandLine.argc
var fuzzerArgv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&fuzzerArgc, &fuzzerArgv, fuzzTimestamps))
