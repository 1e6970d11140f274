/// One night of `modelwatch report`: reads what is new under the given paths since the nights
/// stored in a `NightStore`, merges it into the previous night's state (the same `AnalysisState`
/// that `analyze --save-state` writes), evaluates the merged summary, so night N's verdicts are
/// those of one `analyze` over nights 1..N, and saves the night.
///
/// What counts as new, per file (identity: device and inode, and a hash of the first bytes):
/// - never read before: the whole file;
/// - read before, same first bytes, now longer: only the bytes after the earlier end (plain
///   files; a gzip file only when the earlier read ended on a complete member, so the new bytes
///   are whole appended members);
/// - read before and unchanged: skipped;
/// - same inode but different first bytes, or shorter (truncated and rewritten): a new file.
/// A gzip file that grew after a read that ended inside a member (it was still being written)
/// is skipped and listed: its earlier part cannot be told from the new one without counting
/// twice. Compress logs only once rotated (logrotate's `delaycompress`).
public struct NightlyReport {
    public let analysis: Analysis
    public let store: NightStore

    public init(analysis: Analysis, store: NightStore) {
        self.analysis = analysis
        self.store = store
    }

    /// What a night gave: the report, the evaluation of everything up to the night, and the
    /// incidents that are new or changed tonight (`--events`).
    public struct Outcome {
        public var document: ReportDocument
        public var result: AnalysisResult
        public var summary: AnalysisSummary
        public var tonightSummary: AnalysisSummary
        public var newOrUpdated: [Event]
        public var reads: [FileRead]
        /// Files left unread, with why.
        public var skipped: [(path: String, reason: String)]
    }

    /// Splits `sources` into what to read tonight (with start offsets) and what was read before.
    func plan(_ sources: [InputSource], earlier: [FileRead]) -> (
        toRead: [(InputSource, FileRead?)], skipped: [(path: String, reason: String)]
    ) {
        var byIdentity: [String: FileRead] = [:]
        for read in earlier { byIdentity["\(read.device):\(read.inode)"] = read }
        var toRead: [(InputSource, FileRead?)] = []
        var skipped: [(path: String, reason: String)] = []
        for source in sources {
            guard !source.isStandardInput, let identity = ArchiveFileIdentity.of(path: source.path) else {
                toRead.append((source, nil))
                continue
            }
            var read = FileRead(
                path: source.path, device: identity.device, inode: identity.inode, size: identity.size,
                prefixHash: identity.prefixHash, startOffset: 0, endOffset: identity.size, compression: "")
            if let prior = byIdentity["\(identity.device):\(identity.inode)"], identity.size >= prior.endOffset,
                ArchiveFileIdentity.prefixHash(
                    path: source.path, length: Int(min(prior.size, Int64(ArchiveFileIdentity.prefixLength))))
                    == prior.prefixHash
            {
                if identity.size == prior.endOffset {
                    skipped.append((source.path, "read by an earlier night, unchanged"))
                    continue
                }
                if prior.compression == "gzip-partial" {
                    skipped.append(
                        (
                            source.path,
                            "a gzip archive that grew after an earlier night read it while it was still being written; not read again, so nothing is counted twice"
                        ))
                    continue
                }
                read.startOffset = prior.endOffset
            }
            var tail = source
            tail.startOffset = read.startOffset
            toRead.append((tail, read))
        }
        return (toRead, skipped)
    }

    /// Runs night `night` (`YYYY-MM-DD`) over `sources`; `untilDay` drops later days from the
    /// report's trend charts.
    public func run(
        _ sources: [InputSource], night: String, nowMillis: Int64, untilDay: String? = nil
    ) throws(NightStoreError) -> Outcome {
        let previous = try store.night(before: night)
        let (toRead, skipped) = plan(sources, earlier: try store.filesRead(before: night))
        let reader = analysis.makeReader()
        let tonight = reader.run(toRead.map(\.0))
        var reads: [FileRead] = []
        var identities: [SourceIdentity?] = []
        for (index, (source, read)) in toRead.enumerated() {
            let statistics = tonight.sources[index]
            guard var read else {
                identities.append(nil)
                continue
            }
            read.endOffset = read.startOffset + statistics.bytesRead
            read.compression =
                statistics.compression == .gzip
                ? (statistics.gzipEnding == .complete ? "gzip" : "gzip-partial") : "plain"
            reads.append(read)
            // A tail has no identity of its own: its file's identity is the earlier night's.
            identities.append(
                source.startOffset == 0 ? SourceIdentity.of(path: source.path, size: statistics.bytesRead) : nil)
        }
        let options = analysis.configuration.options
        let tonightState = AnalysisState(
            summary: tonight, identities: identities, profileWindowMillis: options.profileWindowMillis,
            windowBudget: options.windowBudget, createdMillis: nowMillis)
        var merged = tonightState
        if let previous {
            let earlier: AnalysisState
            do {
                earlier = try StateFile.decode(previous.state)
            } catch {
                throw NightStoreError(
                    description:
                        "\(store.path): the state saved for night \(previous.night) cannot be read (\(error.description)); it is left as it is"
                )
            }
            do {
                merged = try AnalysisState.merging(
                    [earlier, tonightState], names: ["the state after night \(previous.night)", "tonight's input"])
            } catch {
                throw NightStoreError(description: "cannot add tonight's input to the state: \(error.description)")
            }
        }
        let result = analysis.evaluate(merged.summary)

        // Incident status against the earlier nights.
        let known = try store.eventNights(upTo: previous?.night ?? "")
        let previousLines = try store.events(ofNightBefore: night)
        var statuses: [String: (IncidentStatus, String?, String?)] = [:]
        var newOrUpdated: [Event] = []
        for event in result.events {
            let id = event.id
            if let nights = known[id] {
                if previousLines[id] == EventJSON.line(for: event) {
                    statuses[id] = (.resolved, nights.first, nights.last)
                } else {
                    statuses[id] = (.ongoing, nights.first, night)
                    newOrUpdated.append(event)
                }
            } else {
                statuses[id] = (.new, night, night)
                newOrUpdated.append(event)
            }
        }
        var document = ReportFigures.document(
            summary: merged.summary, result: result,
            scope: "night \(night) (\((try store.nights()).filter { $0 < night }.count + 1) night(s) of state)",
            generatedMillis: nowMillis, statuses: statuses,
            futureLimitMillis: analysis.configuration.options.futureLimitMillis)
        if let untilDay { document.days.removeAll { $0.day > untilDay } }
        let tonightDocument = ReportDocument(
            scope: night, generated: document.generated, days: ReportFigures.days(tonight), incidents: [], drift: [],
            abuse: [], controls: [], gatewayClients: [], gatewayAddresses: [],
            gatewayFailingPaths: ReportFigures.principals(tonight.gatewayViews.failingPaths),
            gatewayUserAgents: ReportFigures.principals(tonight.gatewayViews.userAgents), probes: [],
            sources: ReportFigures.sources(tonight))
        try store.save(
            night: night, runMillis: nowMillis, state: StateFile.encode(merged), document: document,
            tonight: tonightDocument, files: reads, events: result.events)
        return Outcome(
            document: document, result: result, summary: merged.summary, tonightSummary: tonight,
            newOrUpdated: newOrUpdated, reads: reads, skipped: skipped)
    }
}
