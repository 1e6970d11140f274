/// One worker's records per minute of each serving host and access-log series (the logging-gap
/// feature's recorder). Streams are kept with interned names and named in `finish`.
struct ActivityRecorder: FeatureRecorder {
    /// A stream of the activity timeline with interned names: a serving host of the inference
    /// logs, or (no host) the rotation series of the file.
    struct LocalStream: Hashable, Sendable {
        var kind: LogKind
        var host: Int32
        var series: Int32
    }

    private var activity = ActivityTimeline<LocalStream>()
    /// Each source's rotation series, interned: its activity stream when a record names no host.
    private let seriesOfSource: [Int32]
    private let seriesNames: [String]

    init(sourcePaths: [String]) {
        var seriesIndex: [String: Int32] = [:]
        var names: [String] = []
        seriesOfSource = sourcePaths.map { path in
            let name = SourceStatistics.seriesName(of: path)
            if let index = seriesIndex[name] { return index }
            seriesIndex[name] = Int32(names.count)
            names.append(name)
            return Int32(names.count - 1)
        }
        seriesNames = names
    }

    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        let millis = record.timestampMillis
        if record.kind == .inference {
            let byHost = context.host != SymbolTable.absentSymbol
            activity.add(
                LocalStream(
                    kind: .inference, host: byHost ? context.host : -1,
                    series: byHost ? -1 : seriesOfSource[context.source]),
                at: millis)
        } else {
            activity.add(LocalStream(kind: .access, host: -1, series: seriesOfSource[context.source]), at: millis)
        }
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        summary.activity = activity.mapStreams { stream in
            stream.host >= 0
                ? ActivityStream(kind: stream.kind, name: symbols.name(of: stream.host) ?? "-", isHost: true)
                : ActivityStream(kind: stream.kind, name: seriesNames[Int(stream.series)], isHost: false)
        }
        activity = ActivityTimeline()
    }
}
