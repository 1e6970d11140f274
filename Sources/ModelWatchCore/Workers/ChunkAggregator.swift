#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One worker's view of the run: splits line chunks, parses each line, counts it in its source's
/// accounting and the window table, and hands the record to every feature's recorder
/// (`FeatureRecorders`). Not thread-safe by design: each Dispatch worker owns one, and the
/// results are merged after the parallel step (`finish()`).
public final class ChunkAggregator {
    /// Current window length: starts at the requested length and grows (`coarsen`) when the
    /// window table passes `windowBudget` bytes, so memory stays bounded however long the input.
    public private(set) var windowMillis: Int64
    public let windowBudget: Int
    /// Approximate bytes held by `windows` (see `StreamWindow.footprint`).
    private var windowFootprint = 0
    public let lineCap: Int
    private let inferenceParser = InferenceLineParser()
    private let accessParser: AccessLogParser
    private let presets: PresetParsers
    private var record = ParsedRecord()
    /// Set with `--pseudonymize`: each record's client and address are replaced by their tokens
    /// before anything is counted, so no table, event or report ever holds the real values.
    private var pseudonymizer: Pseudonymizer?
    /// The line with the tokens appended, for a pseudonymised record's spans to point into.
    private var pseudonymizedLine: [UInt8] = []
    private var symbols = SymbolTable()
    private var sources: [SourceStatistics]
    private var sourceModelSymbols: [Int32?]
    private var windows: [LocalWindowKey: StreamWindow] = [:]
    private let principalCapacity: Int
    private let futureLimitMillis: Int64
    /// What each feature records per record (principals, drift, logging gaps, capacity, probes,
    /// request join, abuse).
    private var recorders: FeatureRecorders
    private let backwardToleranceMillis: Int64
    /// How time moved in the chunk being processed, and in the last one finished.
    private var segment = TimeOrderSegment(sourceIndex: 0, sequence: 0)
    public private(set) var lastSegment = TimeOrderSegment(sourceIndex: 0, sequence: 0)
    /// Per source index, the end of its last closed window (`live` mode): a record stamped
    /// before it is counted late (`SourceStatistics.lateRecords`) and still aggregated. Empty
    /// in batch mode, where nothing is late.
    public var closedBeforeMillis: [Int64] = []

    /// A window key with interned names: hashing four integers per record, not four strings.
    private struct LocalWindowKey: Hashable {
        var windowStartMillis: Int64
        var source: Int32
        var model: Int32
        var modelVersion: Int32
        var host: Int32
    }

    public init(
        sourcePaths: [String], windowMillis: Int64, lineCap: Int, accessFormat: AccessLogFormat?,
        principalCapacity: Int = 2048, windowBudget: Int = AnalysisOptions.defaultWindowBudget,
        signatures: RequestSignatures = .bundled(),
        futureLimitMillis: Int64 = .max, backwardToleranceMillis: Int64 = AnalysisOptions.defaultBackwardTolerance,
        profileWindowMillis: Int64? = ModelProfiles.defaultWindowMillis,
        profileBudget: Int = AnalysisOptions.defaultProfileBudget,
        abuseBudget: Int = AnalysisOptions.defaultAbuseBudget,
        pseudonymizer: Pseudonymizer? = nil, fieldMapping: FieldMapping? = nil
    ) {
        self.pseudonymizer = pseudonymizer
        presets = PresetParsers(mapping: fieldMapping)
        recorders = FeatureRecorders(
            sourcePaths: sourcePaths, principalCapacity: principalCapacity, signatures: signatures,
            profileWindowMillis: profileWindowMillis, profileBudget: profileBudget, abuseBudget: abuseBudget)
        self.futureLimitMillis = futureLimitMillis
        self.backwardToleranceMillis = backwardToleranceMillis
        self.windowMillis = windowMillis
        self.windowBudget = windowBudget
        self.lineCap = min(lineCap, AnalysisOptions.maximumLineCap)  // spans are 32-bit (ByteSpan)
        accessParser = AccessLogParser(format: accessFormat)
        sources = sourcePaths.map(SourceStatistics.init(path:))
        sourceModelSymbols = Array(repeating: nil, count: sourcePaths.count)
        self.principalCapacity = principalCapacity
    }

    /// The latest event time parsed so far from source `index` (`.min` before its first record).
    public func latestMillis(ofSource index: Int) -> Int64 {
        index < sources.count ? sources[index].lastMillis : .min
    }

    /// Records facts the reader learned about a source (bytes, compression, gzip ending).
    public func noteReader(_ statistics: SourceStatistics, for index: Int) {
        var readerOnly = statistics
        readerOnly.lines = 0
        readerOnly.parsed = 0
        readerOnly.rejected = [Int](repeating: 0, count: RejectReason.allCases.count)
        sources[index].merge(readerOnly)
    }

    /// Counts lines the framer dropped because they passed the length cap.
    public func noteDroppedLines(_ count: Int, firstOffset: Int64?, for index: Int) {
        guard count > 0 else { return }
        sources[index].lines += count
        sources[index].rejected[RejectReason.lineTooLong.rawValue] += count - 1
        sources[index].reject(.lineTooLong, at: firstOffset ?? 0)
    }

    /// Parses and aggregates every line of `chunk`, which holds whole lines of one source;
    /// returns how many lines it held.
    @discardableResult
    public func process(_ chunk: inout LineChunk, format: LogFormat) -> Int {
        let sourceIndex = chunk.sourceIndex
        let base = chunk.startOffset
        let linesBefore = sources[sourceIndex].lines
        segment = TimeOrderSegment(sourceIndex: sourceIndex, sequence: chunk.sequence)
        defer { lastSegment = segment }
        chunk.bytes.withUnsafeMutableBytes { buffer in
            guard let start = buffer.baseAddress else { return }
            var lineStart = 0
            let end = buffer.count
            while lineStart < end {
                // Safe: memchr scans [lineStart, end), inside the chunk's buffer.
                let hit = memchr(start + lineStart, 0x0A, end - lineStart)
                let lineEnd = hit.map { start.distance(to: UnsafeMutableRawPointer($0)) } ?? end
                var contentEnd = lineEnd
                if contentEnd > lineStart && buffer[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                let line = UnsafeMutableRawBufferPointer(rebasing: buffer[lineStart..<contentEnd])
                processLine(line, source: sourceIndex, format: format, offset: base + Int64(lineStart))
                lineStart = lineEnd + 1
            }
        }
        return sources[sourceIndex].lines - linesBefore
    }

    @inline(__always)
    private func processLine(_ line: UnsafeMutableRawBufferPointer, source: Int, format: LogFormat, offset: Int64) {
        sources[source].lines += 1
        if line.count > lineCap {
            sources[source].reject(.lineTooLong, at: offset)
            return
        }
        if Self.isBlank(line) {
            sources[source].reject(.blankLine, at: offset)
            return
        }
        do {
            switch format {
            case .native: try inferenceParser.parse(line, into: &record)
            case .combined: try accessParser.parse(line, into: &record)
            default: try presets.parse(line, format: format, into: &record)
            }
        } catch {
            sources[source].reject(error.reason, at: offset)
            return
        }
        sources[source].parsed += 1
        segment.add(record.timestampMillis, offset: offset)
        if segment.host == nil, !record.host.isAbsent, record.host.count > 0 {
            // Once a chunk: the writer named for the time-order evidence.
            segment.host = String(decoding: record.host.bytes(in: line), as: UTF8.self)
        }
        if pseudonymizer != nil && (record.client.count > 0 || record.address.count > 0) {
            aggregatePseudonymized(line: UnsafeRawBufferPointer(line), source: source)
        } else {
            aggregate(line: UnsafeRawBufferPointer(line), source: source)
        }
    }

    /// Copies the line, appends the client's and address's tokens, points the record's spans at
    /// them and aggregates that: every other span keeps its offset in the copy.
    private func aggregatePseudonymized(line: UnsafeRawBufferPointer, source: Int) {
        pseudonymizedLine.removeAll(keepingCapacity: true)
        pseudonymizedLine.append(contentsOf: line)
        if record.client.count > 0 {
            let token = pseudonymizer!.clientToken(record.client.bytes(in: line))
            record.client = ByteSpan(start: pseudonymizedLine.count, count: token.count)
            pseudonymizedLine.append(contentsOf: token)
        }
        if record.address.count > 0 {
            let token = pseudonymizer!.addressToken(record.address.bytes(in: line))
            record.address = ByteSpan(start: pseudonymizedLine.count, count: token.count)
            pseudonymizedLine.append(contentsOf: token)
        }
        pseudonymizedLine.withUnsafeBytes { aggregate(line: $0, source: source) }
    }

    static func isBlank(_ line: UnsafeMutableRawBufferPointer) -> Bool {
        for byte in line where byte != 0x20 && byte != 0x09 { return false }
        return true
    }

    private func symbol(_ span: ByteSpan, in line: UnsafeRawBufferPointer) -> Int32 {
        guard !span.isAbsent, span.count > 0 else { return SymbolTable.absentSymbol }
        return symbols.symbol(for: span.bytes(in: line))
    }

    /// The model of a source whose records name none (SageMaker capture): its endpoint's name,
    /// interned once per source.
    private func sourceModel(_ source: Int) -> Int32 {
        if let known = sourceModelSymbols[source] { return known }
        let name = SourceStatistics.sageMakerEndpoint(of: sources[source].path)
        let symbol = Array(name.utf8).withUnsafeBytes { symbols.symbol(for: $0) }
        sourceModelSymbols[source] = symbol
        return symbol
    }

    private func aggregate(line: UnsafeRawBufferPointer, source: Int) {
        let millis = record.timestampMillis
        if millis < sources[source].firstMillis { sources[source].firstMillis = millis }
        if millis > sources[source].lastMillis { sources[source].lastMillis = millis }
        if source < closedBeforeMillis.count && millis < closedBeforeMillis[source] {
            sources[source].lateRecords += 1
        }
        if millis > futureLimitMillis {
            sources[source].futureRecords += 1
            sources[source].latestFutureMillis = max(sources[source].latestFutureMillis, millis)
        }
        let windowStart = Self.floor(millis, to: windowMillis)
        let model = record.modelFromSource ? sourceModel(source) : symbol(record.model, in: line)
        let host = symbol(record.host, in: line)
        let key = LocalWindowKey(
            windowStartMillis: windowStart, source: Int32(source), model: model,
            modelVersion: symbol(record.modelVersion, in: line), host: host)
        windowFootprint += windows[key, default: StreamWindow()].add(record)
        if windowFootprint > windowBudget { coarsen() }
        recorders.record(
            record,
            in: RecordContext(line: line, source: source, model: model, modelVersion: key.modelVersion, host: host))
    }

    @inline(__always)
    static func floor(_ value: Int64, to step: Int64) -> Int64 {
        let remainder = value % step
        return remainder >= 0 ? value - remainder : value - remainder - step
    }

    /// Moves every window into the next longer window length (see `AnalysisSummary.coarserWindow`).
    private func coarsen() {
        while windowFootprint > windowBudget && windows.count > 1 {
            windowMillis = AnalysisSummary.coarserWindow(after: windowMillis)
            windows = windows.rebucketed(\.windowStartMillis, to: windowMillis)
            windowFootprint = windows.values.reduce(0) { $0 + $1.footprint }
        }
    }

    /// The worker's summary with names resolved, ready to merge with the other workers'.
    public func finish() -> AnalysisSummary {
        var summary = AnalysisSummary(
            windowMillis: windowMillis, sources: sources, principalCapacity: principalCapacity)
        for (key, window) in windows {
            let named = WindowKey(
                windowStartMillis: key.windowStartMillis, source: Int(key.source), model: symbols.name(of: key.model),
                modelVersion: symbols.name(of: key.modelVersion), host: symbols.name(of: key.host))
            summary.windows[named, default: StreamWindow()].merge(window)
        }
        recorders.finish(into: &summary, symbols: symbols)
        return summary
    }
}

@available(*, unavailable)
extension ChunkAggregator: Sendable {}
