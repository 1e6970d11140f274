import Glibc
import ModelWatchCore

/// The baseline reader (`analyze --baseline FILE`) on arbitrary bytes. A file either reads or is
/// a `LoadError`; one that reads must encode again, and its references must survive the drift
/// detector against an empty run (a reference with impossible counts or bounds must not crash
/// the comparison or the table).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBaselineFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? BaselineFile.decode(bytes, path: "fuzz.json") else { return 0 }
    _ = try? file.encoded()
    let configuration = AnalysisConfiguration(
        options: AnalysisOptions(threads: 1), baseline: file.references(path: "fuzz.json"))
    let analysis = Analysis(configuration: configuration)
    _ = analysis.evaluate(analysis.read([]))
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
exit(runFuzzerDriver(&fuzzerArgc, &fuzzerArgv, fuzzBaselineFile))
