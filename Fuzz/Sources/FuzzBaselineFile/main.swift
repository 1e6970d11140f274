import FuzzSupport
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

runFuzzer(fuzzBaselineFile)
