/// The bytes of an `AnalysisSummary` inside a live checkpoint. Until the shared state format
/// (`StateFile`, branch `state`) is merged, summaries cannot be serialised: a checkpoint
/// without its summary would resume offsets with empty detector state, so it is refused
/// instead of written half.
enum SummaryCoding {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "this build cannot serialise the analysis summary yet; run without --state" }
    }

    static func encode(_ summary: AnalysisSummary) -> [UInt8] { [] }

    static func decode(_ bytes: [UInt8]) throws -> AnalysisSummary { throw Unavailable() }
}
