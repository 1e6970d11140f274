/// Every feature's per-worker recorder (see `AnalysisFeature`), called for each parsed record.
///
/// One stored property per feature, each of its concrete type: `record` makes direct calls the
/// compiler can inline, with no existential or dynamic dispatch per record. Adding a feature adds
/// a property here, one line in `record` and one in `finish`.
struct FeatureRecorders {
    var principals: PrincipalRecorder
    var gatewayViews: GatewayViewRecorder
    var drift: ProfileRecorder
    var activity: ActivityRecorder
    var capacity: CapacityRecorder
    var signatures: RequestSignatureRecorder
    var requestTimes: RequestTimeRecorder
    /// Per-client and per-address abuse statistics (bounded; see `ClientActivityRecorder`).
    var abuse: ClientActivityRecorder

    init(
        sourcePaths: [String], principalCapacity: Int, signatures: RequestSignatures, profileWindowMillis: Int64?,
        profileBudget: Int, abuseBudget: Int
    ) {
        principals = PrincipalRecorder(capacity: principalCapacity)
        gatewayViews = GatewayViewRecorder()
        drift = ProfileRecorder(windowMillis: profileWindowMillis, budget: profileBudget)
        activity = ActivityRecorder(sourcePaths: sourcePaths)
        capacity = CapacityRecorder()
        self.signatures = RequestSignatureRecorder(signatures: signatures)
        requestTimes = RequestTimeRecorder()
        abuse = ClientActivityRecorder(budget: abuseBudget)
    }

    @inline(__always)
    mutating func record(_ record: ParsedRecord, in context: RecordContext) {
        drift.record(record, in: context)
        principals.record(record, in: context)
        gatewayViews.record(record, in: context)
        activity.record(record, in: context)
        capacity.record(record, in: context)
        signatures.record(record, in: context)
        abuse.record(record, in: context)
        requestTimes.record(record, in: context)
    }

    mutating func finish(into summary: inout AnalysisSummary, symbols: SymbolTable) {
        principals.finish(into: &summary, symbols: symbols)
        gatewayViews.finish(into: &summary, symbols: symbols)
        drift.finish(into: &summary, symbols: symbols)
        activity.finish(into: &summary, symbols: symbols)
        capacity.finish(into: &summary, symbols: symbols)
        signatures.finish(into: &summary, symbols: symbols)
        requestTimes.finish(into: &summary, symbols: symbols)
        abuse.finish(into: &summary, symbols: symbols)
    }
}
