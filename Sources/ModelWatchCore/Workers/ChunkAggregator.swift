#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One worker's view of the run: splits line chunks, parses each line, and folds the records
/// into the worker's own window table and sketches. Not thread-safe by design: each Dispatch
/// worker owns one, and the results are merged after the parallel step (`finish()`).
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
    private var record = ParsedRecord()
    private var symbols = SymbolTable()
    private var sources: [SourceStatistics]
    private var windows: [LocalWindowKey: StreamWindow] = [:]
    private var gateway: PrincipalTables
    private var inference: PrincipalTables
    private let principalCapacity: Int
    private let signatures: RequestSignatures
    private let futureLimitMillis: Int64
    private var probes = RequestFindingTable()
    private var adminCalls = RequestFindingTable()
    private var requestSamples = RequestTimeSamples()
    /// Per-client and per-address abuse statistics (bounded; see `ClientActivityRecorder`).
    private var clientActivity: ClientActivityRecorder
    /// Per-model drift-window profiles of inference records (kept only when `profiling`).
    private var profiles: ProfileBuilder
    private let profiling: Bool
    /// Records per minute of each serving host and access-log series (logging gaps).
    private var activity = ActivityTimeline<LocalStream>()
    /// Per model, 5-minute windows of volume, errors and latency (capacity).
    private var capacity = CapacityWindows<Int32>()
    /// Distinct 4xx paths per address and minute (probing bursts).
    private var pathBursts = PathBurstTable()
    /// Each source's rotation series, interned: its activity stream when a record names no host.
    private let seriesOfSource: [Int32]
    private let seriesNames: [String]
    private let backwardToleranceMillis: Int64
    /// How time moved in the chunk being processed, and in the last one finished.
    private var segment = TimeOrderSegment(sourceIndex: 0, sequence: 0)
    public private(set) var lastSegment = TimeOrderSegment(sourceIndex: 0, sequence: 0)

    /// A stream of the activity timeline with interned names: a serving host of the inference
    /// logs, or (no host) the rotation series of the file.
    struct LocalStream: Hashable, Sendable {
        var kind: LogKind
        var host: Int32
        var series: Int32
    }

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
        abuseBudget: Int = 16 << 20
    ) {
        clientActivity = ClientActivityRecorder(budget: abuseBudget)
        profiling = profileWindowMillis != nil
        profiles = ProfileBuilder(
            windowMillis: profileWindowMillis ?? ModelProfiles.defaultWindowMillis, budget: profileBudget)
        self.futureLimitMillis = futureLimitMillis
        self.backwardToleranceMillis = backwardToleranceMillis
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
        self.signatures = signatures
        self.windowMillis = windowMillis
        self.windowBudget = windowBudget
        self.lineCap = lineCap
        accessParser = AccessLogParser(format: accessFormat)
        sources = sourcePaths.map(SourceStatistics.init(path:))
        gateway = PrincipalTables(capacity: principalCapacity)
        inference = PrincipalTables(capacity: principalCapacity)
        self.principalCapacity = principalCapacity
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
    public func process(_ chunk: inout LineChunk, kind: LogKind) -> Int {
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
                processLine(line, source: sourceIndex, kind: kind, offset: base + Int64(lineStart))
                lineStart = lineEnd + 1
            }
        }
        return sources[sourceIndex].lines - linesBefore
    }

    @inline(__always)
    private func processLine(_ line: UnsafeMutableRawBufferPointer, source: Int, kind: LogKind, offset: Int64) {
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
            switch kind {
            case .inference: try inferenceParser.parse(line, into: &record)
            case .access, .unknown: try accessParser.parse(line, into: &record)
            }
        } catch {
            sources[source].reject(error.reason, at: offset)
            return
        }
        sources[source].parsed += 1
        segment.add(record.timestampMillis, offset: offset)
        if segment.host == nil, !record.host.isAbsent, record.host.count > 0 {
            // Once a chunk: the writer named for the time-order evidence.
            segment.host = String(decoding: Self.bytes(record.host, UnsafeRawBufferPointer(line)), as: UTF8.self)
        }
        aggregate(line: UnsafeRawBufferPointer(line), source: source)
    }

    static func isBlank(_ line: UnsafeMutableRawBufferPointer) -> Bool {
        for byte in line where byte != 0x20 && byte != 0x09 { return false }
        return true
    }

    private func symbol(_ span: ByteSpan, in line: UnsafeRawBufferPointer) -> Int32 {
        guard !span.isAbsent, span.count > 0 else { return SymbolTable.absentSymbol }
        return symbols.symbol(for: Self.bytes(span, line))
    }

    @inline(__always)
    static func bytes(_ span: ByteSpan, _ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: line[Int(span.start)..<Int(span.start + span.count)])
    }

    private func aggregate(line: UnsafeRawBufferPointer, source: Int) {
        let millis = record.timestampMillis
        if millis < sources[source].firstMillis { sources[source].firstMillis = millis }
        if millis > sources[source].lastMillis { sources[source].lastMillis = millis }
        if millis > futureLimitMillis {
            sources[source].futureRecords += 1
            sources[source].latestFutureMillis = max(sources[source].latestFutureMillis, millis)
        }
        let windowStart = Self.floor(millis, to: windowMillis)
        let model = symbol(record.model, in: line)
        let host = symbol(record.host, in: line)
        let key = LocalWindowKey(
            windowStartMillis: windowStart, source: Int32(source), model: model,
            modelVersion: symbol(record.modelVersion, in: line), host: host)
        windowFootprint += windows[key, default: StreamWindow()].add(record)
        if profiling && record.kind == .inference {
            profiles.add(record, line: line, model: model, version: key.modelVersion)
        }
        if windowFootprint > windowBudget { coarsen() }
        countPrincipals(line: line, millis: millis)
        if record.kind == .inference {
            let byHost = host != SymbolTable.absentSymbol
            activity.add(
                LocalStream(kind: .inference, host: byHost ? host : -1, series: byHost ? -1 : seriesOfSource[source]),
                at: millis)
            if model != SymbolTable.absentSymbol {
                capacity.add(
                    model: model, status: record.status, latencyMillis: record.latencyMillis,
                    completionTokens: record.completionTokens, at: millis)
            }
        } else {
            activity.add(LocalStream(kind: .access, host: -1, series: seriesOfSource[source]), at: millis)
            matchSignatures(line: line, millis: millis)
            noteClientError(line: line, millis: millis)
        }
        clientActivity.record(record, line: line)
        if !record.requestID.isAbsent, record.requestID.count > 0 {
            let hash = ByteHashing.hash(Self.bytes(record.requestID, line))
            let host = record.host

            requestSamples.record(hash: hash, kind: record.kind, millis: millis, source: source) {
                host.isAbsent ? nil : String(decoding: Self.bytes(host, line), as: UTF8.self)
            }
        }
    }

    /// Checks an access-log request against the probe, scanner and admin signatures; only a
    /// match creates strings.
    private func matchSignatures(line: UnsafeRawBufferPointer, millis: Int64) {
        let path = record.path.isAbsent ? nil : Self.bytes(record.path, line)
        let agent = record.userAgent.isAbsent ? nil : Self.bytes(record.userAgent, line)
        let scanner = agent.flatMap { signatures.scannerAgent(in: $0) }
        let probe = path.flatMap { signatures.probePath(in: $0) }
        func text(_ span: ByteSpan) -> String? {
            span.isAbsent ? nil : String(decoding: Self.bytes(span, line), as: UTF8.self)
        }
        if scanner != nil || probe != nil {
            let tag = scanner.map { String(decoding: signatures.scannerAgents[$0], as: UTF8.self) }
            probes.add(
                key: text(record.address) ?? "(no address)", status: record.status, at: millis,
                sample: text(record.path),
                tag: tag)
        }
        if let path, signatures.isAdminPath(path) {
            let method = text(record.method) ?? "-"
            let client = text(record.client)
            adminCalls.add(
                key: client ?? text(record.address) ?? "(anonymous)", keyIsAddress: client == nil,
                status: record.status,
                at: millis,
                sample: "\(method) \(String(decoding: path, as: UTF8.self))", tag: text(record.address))
        }
    }

    /// Counts a 4xx answer (throttling aside) towards its address's distinct-path burst.
    private func noteClientError(line: UnsafeRawBufferPointer, millis: Int64) {
        let status = record.status
        guard status >= 400 && status < 500 && status != 429, !record.path.isAbsent, !record.address.isAbsent else {
            return
        }
        let path = Self.bytes(record.path, line)
        let address = Self.bytes(record.address, line)
        pathBursts.add(
            addressHash: ByteHashing.hash(address), address: { String(decoding: address, as: UTF8.self) },
            pathHash: ByteHashing.hash(path), at: millis
        ) { String(decoding: path, as: UTF8.self) }
    }

    /// Counts the record's client and address in the run-level tables of its log family and in
    /// its principal window, hashing each key once.
    private func countPrincipals(line: UnsafeRawBufferPointer, millis: Int64) {
        let hasClient = !record.client.isAbsent && record.client.count > 0
        let hasAddress = !record.address.isAbsent && record.address.count > 0
        guard hasClient || hasAddress else { return }
        let tokens = Int(max(0, record.promptTokens)) + Int(max(0, record.completionTokens))
        if hasClient { countPrincipal(record.client, isClient: true, line: line, tokens: tokens, millis: millis) }
        if hasAddress { countPrincipal(record.address, isClient: false, line: line, tokens: tokens, millis: millis) }
    }

    /// Adds one client (or address) to its family's run-level table.
    @inline(__always)
    private func countPrincipal(
        _ span: ByteSpan, isClient: Bool, line: UnsafeRawBufferPointer, tokens: Int, millis: Int64
    ) {
        let key = Self.bytes(span, line)
        let hash = ByteHashing.hash(key)
        let status = record.status
        if record.kind == .inference {
            inference.add(key, hash: hash, isClient: isClient, status: status, tokens: tokens, at: millis)
        } else {
            gateway.add(key, hash: hash, isClient: isClient, status: status, tokens: tokens, at: millis)
        }
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
        summary.gateway = gateway
        summary.inference = inference
        summary.probes = probes
        summary.adminCalls = adminCalls
        summary.requestSamples = requestSamples
        if profiling { summary.profiles = profiles.finish { symbols.name(of: $0) } }
        summary.activity = activity.mapStreams { stream in
            stream.host >= 0
                ? ActivityStream(kind: stream.kind, name: symbols.name(of: stream.host) ?? "-", isHost: true)
                : ActivityStream(kind: stream.kind, name: seriesNames[Int(stream.series)], isHost: false)
        }
        summary.capacity = capacity.mapModels { symbols.name(of: $0) ?? "-" }
        summary.pathBursts = pathBursts
        summary.abuse = clientActivity.finish()
        clientActivity = ClientActivityRecorder()  // the tables now live in the summary: free them
        return summary
    }
}

@available(*, unavailable)
extension ChunkAggregator: Sendable {}
