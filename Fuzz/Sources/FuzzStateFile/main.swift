import FuzzSupport
import ModelWatchCore

/// The saved-state reader behind a valid header and checksum: the input is the payload, wrapped
/// here in the header and checksum `StateFile.encode` writes, so mutations reach the decoder
/// instead of stopping at the checksum (damage a checksum cannot see: a bug or a hostile file
/// given to `merge`). What decodes is evaluated by every detector and its summary rendered,
/// since values no writer produces (empty ranges, huge counts) must not crash those either.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStateFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let payload = UnsafeRawBufferPointer(start: data, count: size)
    var file = StateFile.formatName
    for shift in stride(from: 0, to: 32, by: 8) {
        file.append(UInt8(truncatingIfNeeded: StateFile.version >> UInt32(shift)))
    }
    for shift in stride(from: 0, to: 64, by: 8) {
        file.append(UInt8(truncatingIfNeeded: UInt64(size) >> UInt64(shift)))
    }
    file.append(contentsOf: payload)
    let checksum = ByteHashing.hash(payload)
    for shift in stride(from: 0, to: 64, by: 8) { file.append(UInt8(truncatingIfNeeded: checksum >> UInt64(shift))) }
    guard let state = try? StateFile.decode(file) else { return 0 }
    let analysis = Analysis(configuration: AnalysisConfiguration(options: AnalysisOptions(threads: 1)))
    let result = analysis.evaluate(state.summary)
    var report = SummaryReport()
    report.checkedTypes = result.checkedTypes
    report.drift = result.drift
    _ = report.render(state.summary, events: result.events, elapsedSeconds: 1)
    for event in result.events { _ = EventJSON.line(for: event) }
    return 0
}

runFuzzer(fuzzStateFile)
