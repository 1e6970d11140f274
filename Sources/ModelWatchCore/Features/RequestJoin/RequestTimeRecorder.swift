/// One worker's sample of request ids with their inference and access-log times (the request
/// join's recorder, for clock comparison): a record's id is hashed, and only sampled ids are kept.
struct RequestTimeRecorder: FeatureRecorder {
    private var samples = RequestTimeSamples()

    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        guard !record.requestID.isAbsent, record.requestID.count > 0 else { return }
        let line = context.line
        let hash = ByteHashing.hash(record.requestID.bytes(in: line))
        let host = record.host
        samples.record(hash: hash, kind: record.kind, millis: record.timestampMillis, source: context.source) {
            host.isAbsent ? nil : String(decoding: host.bytes(in: line), as: UTF8.self)
        }
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        summary.requestSamples = samples
        samples = RequestTimeSamples()
    }
}
