/// What one model's windows are compared against: a profile, where it came from, and the time
/// range and size it covers (every drift event names them, so a reference that itself held a
/// drift is visible rather than silently accepted).
public struct DriftReference: Sendable, Equatable {
    public var model: String
    public var profile: ModelProfile
    /// First and last record in the reference.
    public var startMillis: Int64
    public var endMillis: Int64
    /// Drift windows merged into the reference.
    public var windows: Int
    /// Where it came from: "first 24 h of the input" or "baseline FILE".
    public var origin: String
    /// Starts of the input's drift windows that make up this reference (not compared against it).
    public var windowStarts: Set<Int64> = []

    public init(
        model: String, profile: ModelProfile, startMillis: Int64, endMillis: Int64, windows: Int, origin: String,
        windowStarts: Set<Int64> = []
    ) {
        self.model = model
        self.profile = profile
        self.startMillis = startMillis
        self.endMillis = endMillis
        self.windows = windows
        self.origin = origin
        self.windowStarts = windowStarts
    }

    /// SPEC.md's default reference: each model's first `hours` hours of records, in whole drift
    /// windows: a window belongs to the reference when it starts before the model's first record
    /// plus `hours` minus half a window, so that data starting just after midnight gives one day,
    /// and data starting in the afternoon gives that afternoon and the next full day.
    ///
    /// Leading windows with fewer than `minimumRecords` records (a stray record stamped long
    /// before the rest) are passed over: the reference starts at the first window with enough.
    public static func firstHours(
        _ hours: Int, of profiles: ModelProfiles, minimumRecords: Int = DriftConfiguration().minimumRecords
    ) -> [String: DriftReference] {
        var references: [String: DriftReference] = [:]
        for model in profiles.models {
            let all = profiles.windows(of: model)
            let start = all.firstIndex { $0.profile.records >= minimumRecords } ?? 0
            let windows = all[start...]
            guard let first = windows.first?.profile.firstMillis else { continue }
            let limit = max(first + 1, first + Int64(hours) * 3_600_000 - profiles.windowMillis / 2)
            var merged = ModelProfile()
            var starts: Set<Int64> = []
            for window in windows where window.key.windowStartMillis < limit {
                merged.merge(window.profile)
                starts.insert(window.key.windowStartMillis)
            }
            references[model] = DriftReference(
                model: model, profile: merged, startMillis: merged.firstMillis, endMillis: merged.lastMillis,
                windows: starts.count, origin: "first \(hours) h of the input", windowStarts: starts)
        }
        return references
    }
}
