/// One worker's access-log checks (the probes feature's recorder): requests matching scanner or
/// probe signatures by address, calls to administrative paths by principal, and distinct 4xx
/// paths per address and minute. Only a match creates strings.
struct RequestSignatureRecorder: FeatureRecorder {
    private let signatures: RequestSignatures
    private var probes = RequestFindingTable()
    private var adminCalls = RequestFindingTable()
    private var pathBursts = PathBurstTable()

    init(signatures: RequestSignatures) {
        self.signatures = signatures
    }

    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        guard record.kind != .inference else { return }
        matchSignatures(record, line: context.line)
        noteClientError(record, line: context.line)
    }

    /// Checks an access-log request against the probe, scanner and admin signatures.
    private mutating func matchSignatures(_ record: ParsedRecord, line: UnsafeRawBufferPointer) {
        let millis = record.timestampMillis
        let path = record.path.isAbsent ? nil : record.path.bytes(in: line)
        let agent = record.userAgent.isAbsent ? nil : record.userAgent.bytes(in: line)
        let scanner = agent.flatMap { signatures.scannerAgent(in: $0) }
        let probe = path.flatMap { signatures.probePath(in: $0) }
        func text(_ span: ByteSpan) -> String? {
            span.isAbsent ? nil : String(decoding: span.bytes(in: line), as: UTF8.self)
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
    private mutating func noteClientError(_ record: ParsedRecord, line: UnsafeRawBufferPointer) {
        let status = record.status
        guard status >= 400 && status < 500 && status != 429, !record.path.isAbsent, !record.address.isAbsent else {
            return
        }
        let path = record.path.bytes(in: line)
        let address = record.address.bytes(in: line)
        pathBursts.add(
            addressHash: ByteHashing.hash(address), address: { String(decoding: address, as: UTF8.self) },
            pathHash: ByteHashing.hash(path), at: record.timestampMillis
        ) { String(decoding: path, as: UTF8.self) }
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        summary.probes = probes
        summary.adminCalls = adminCalls
        summary.pathBursts = pathBursts
        probes = RequestFindingTable()
        adminCalls = RequestFindingTable()
        pathBursts = PathBurstTable()
    }
}
