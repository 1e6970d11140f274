import Glibc
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
exit(runFuzzerDriver(&fuzzerArgc, &fuzzerArgv, fuzzLogFormat))
