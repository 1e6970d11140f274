/// One worker's per-model short windows of volume, errors and latency (the capacity feature's
/// recorder), keyed by the worker's model symbol and named in `finish`.
struct CapacityRecorder: FeatureRecorder {
    private var capacity = CapacityWindows<Int32>()

    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        guard record.kind == .inference, context.model != SymbolTable.absentSymbol else { return }
        capacity.add(
            model: context.model, status: record.status, latencyMillis: record.latencyMillis,
            completionTokens: record.completionTokens, at: record.timestampMillis)
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        summary.capacity = capacity.mapModels { symbols.name(of: $0) ?? "-" }
        capacity = CapacityWindows()
    }
}
