/// The busiest clients (API keys) and addresses of one log family, in bounded memory.
public struct PrincipalTables: Sendable {
    public var clients: HeavyHitters
    public var addresses: HeavyHitters

    public init(capacity: Int, distinctPrecision: Int = 12) {
        clients = HeavyHitters(capacity: capacity, distinctPrecision: distinctPrecision)
        addresses = HeavyHitters(capacity: capacity, distinctPrecision: distinctPrecision)
    }

    @inline(__always)
    mutating func add(
        _ key: UnsafeRawBufferPointer, hash: UInt64, isClient: Bool, status: Int32, tokens: Int, at millis: Int64
    ) {
        if isClient {
            clients.add(key, hash: hash, status: status, tokens: tokens, at: millis)
        } else {
            addresses.add(key, hash: hash, status: status, tokens: tokens, at: millis)
        }
    }

    public mutating func merge(_ other: PrincipalTables) {
        clients.merge(other.clients)
        addresses.merge(other.addresses)
    }
}

/// One worker's top clients and addresses, per log family (the principals feature's recorder).
struct PrincipalRecorder: FeatureRecorder {
    private var gateway: PrincipalTables
    private var inference: PrincipalTables

    init(capacity: Int) {
        gateway = PrincipalTables(capacity: capacity)
        inference = PrincipalTables(capacity: capacity)
    }

    /// Counts the record's client and address in the run-level tables of its log family,
    /// hashing each key once.
    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        let hasClient = !record.client.isAbsent && record.client.count > 0
        let hasAddress = !record.address.isAbsent && record.address.count > 0
        guard hasClient || hasAddress else { return }
        let tokens = Int(max(0, record.promptTokens)) + Int(max(0, record.completionTokens))
        if hasClient { count(record.client, isClient: true, of: record, line: context.line, tokens: tokens) }
        if hasAddress { count(record.address, isClient: false, of: record, line: context.line, tokens: tokens) }
    }

    /// Adds one client (or address) to its family's run-level table.
    @inline(__always)
    private mutating func count(
        _ span: ByteSpan, isClient: Bool, of record: ParsedRecord, line: UnsafeRawBufferPointer, tokens: Int
    ) {
        let key = span.bytes(in: line)
        let hash = ByteHashing.hash(key)
        let millis = record.timestampMillis
        if record.kind == .inference {
            inference.add(key, hash: hash, isClient: isClient, status: record.status, tokens: tokens, at: millis)
        } else {
            gateway.add(key, hash: hash, isClient: isClient, status: record.status, tokens: tokens, at: millis)
        }
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        summary.gateway = gateway
        summary.inference = inference
        gateway = PrincipalTables(capacity: 1)
        inference = PrincipalTables(capacity: 1)
    }
}
