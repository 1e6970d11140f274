import Glibc
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
exit(runFuzzerDriver(&fuzzerArgc, &fuzzerArgv, fuzzInferenceLine))
