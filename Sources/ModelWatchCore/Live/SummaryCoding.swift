/// The analysis summary inside a live checkpoint, in the shared state format (`StateFile`, the
/// one `analyze --save-state` and `merge` use), so there is one serialisation of the summary.
/// Late-record counts are not part of that format (batch has none); the checkpoint's header
/// carries them per source.
enum SummaryCoding {
    static func encode(_ summary: AnalysisSummary, options: AnalysisOptions) -> [UInt8] {
        StateFile.encode(
            AnalysisState(
                summary: summary, identities: summary.sources.map { _ in nil },
                profileWindowMillis: options.profileWindowMillis, windowBudget: options.windowBudget))
    }

    static func decode(_ bytes: [UInt8]) throws(StateFileError) -> AnalysisSummary {
        try StateFile.decode(bytes).summary
    }
}
