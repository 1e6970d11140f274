/// One worker's per-model drift-window profiles (the drift feature's recorder): inference records
/// only, and only when profiling is on (`AnalysisOptions.profileWindowMillis`).
struct ProfileRecorder: FeatureRecorder {
    private let profiling: Bool
    private var builder: ProfileBuilder

    init(windowMillis: Int64?, budget: Int) {
        profiling = windowMillis != nil
        builder = ProfileBuilder(windowMillis: windowMillis ?? ModelProfiles.defaultWindowMillis, budget: budget)
    }

    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        guard profiling && record.kind == .inference else { return }
        builder.add(record, line: context.line, model: context.model, version: context.modelVersion)
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        guard profiling else { return }
        summary.profiles = builder.finish { symbols.name(of: $0) }
        builder = ProfileBuilder(windowMillis: builder.windowMillis, budget: builder.budget)
    }
}
