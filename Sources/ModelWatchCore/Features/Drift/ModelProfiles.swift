/// Everything drift and data-quality checks read about one model in one drift window: each
/// input feature, the predictions, the score, LLM token counts, latency, and labelled accuracy.
///
/// Mergeable (`merge`) like every summary: workers and files combine in any order to the same
/// counts. Memory is bounded: at most `featureCapacity` features, each with a fixed-size sketch
/// and a capped category table.
public struct ModelProfile: Sendable, Codable, Equatable {
    public static let featureCapacity = 128
    public var records = 0
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min
    public var features: [FeatureProfile] = []
    /// Feature values dropped because the model had more than `featureCapacity` features.
    public var droppedFeatureValues = 0
    /// Categorical predictions (strings and booleans).
    public var predictions = CategoryCounts()
    /// Numeric predictions (regression models).
    public var numericPredictions = NumericSummary()
    public var score = NumericSummary()
    public var promptTokens = NumericSummary()
    public var completionTokens = NumericSummary()
    public var latency = NumericSummary()
    /// Records with a label, and those whose prediction equals it.
    public var labelled = 0
    public var correct = 0
    public var versions = CategoryCounts(capacity: 32)

    public init() {}

    public func feature(named name: String) -> FeatureProfile? { features.first { $0.name == name } }

    /// Features in name order, so that profiles merged in any order compare and print alike.
    mutating func sortFeatures() { features.sort { $0.name < $1.name } }

    public mutating func merge(_ other: ModelProfile) {
        records += other.records
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
        for feature in other.features {
            if let index = features.firstIndex(where: { $0.name == feature.name }) {
                features[index].merge(feature)
            } else if features.count < Self.featureCapacity {
                features.append(feature)
            } else {
                droppedFeatureValues += feature.present + feature.nulls
            }
        }
        droppedFeatureValues += other.droppedFeatureValues
        predictions.merge(other.predictions)
        numericPredictions.merge(other.numericPredictions)
        score.merge(other.score)
        promptTokens.merge(other.promptTokens)
        completionTokens.merge(other.completionTokens)
        latency.merge(other.latency)
        labelled += other.labelled
        correct += other.correct
        versions.merge(other.versions)
    }

    /// Approximate bytes held.
    public var footprint: Int {
        256 + features.reduce(0) { $0 + $1.footprint } + predictions.footprint + numericPredictions.footprint
            + score.footprint + promptTokens.footprint + completionTokens.footprint + latency.footprint
            + versions.footprint
    }

    /// Adds one parsed inference record; `line` holds the bytes its spans point into.
    @inline(__always)
    mutating func add(_ record: ParsedRecord, line: UnsafeRawBufferPointer) {
        records += 1
        let millis = record.timestampMillis
        if millis < firstMillis { firstMillis = millis }
        if millis > lastMillis { lastMillis = millis }
        for position in record.features.indices {
            let (nameSpan, value) = record.features[position]
            let name = nameSpan.bytes(in: line)
            guard let index = featureIndex(name, hint: position) else {
                droppedFeatureValues += 1
                continue
            }
            switch value {
            case .number(let number): features[index].numeric.add(number)
            case .string(let span): features[index].categories.add(span.bytes(in: line))
            case .bool(let flag): features[index].categories.add(flag ? Self.trueBytes : Self.falseBytes)
            case .null: features[index].nulls += 1
            }
        }
        if !record.prediction.isAbsent {
            predictions.add(record.prediction.bytes(in: line))
        } else if record.predictionNumber.isFinite {
            numericPredictions.add(record.predictionNumber)
        }
        score.add(record.score)
        if record.promptTokens >= 0 { promptTokens.add(Double(record.promptTokens)) }
        if record.completionTokens >= 0 { completionTokens.add(Double(record.completionTokens)) }
        latency.add(record.latencyMillis)
        if !record.label.isAbsent || record.labelNumber.isFinite {
            labelled += 1
            if Self.predictionMatchesLabel(record, line) { correct += 1 }
        }
    }

    // Safe: a StaticString's bytes live for the whole program.
    static var trueBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: StaticString("true").utf8Start, count: 4)
    }
    static var falseBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: StaticString("false").utf8Start, count: 5)
    }

    @inline(__always)
    static func predictionMatchesLabel(_ record: ParsedRecord, _ line: UnsafeRawBufferPointer) -> Bool {
        if !record.label.isAbsent, !record.prediction.isAbsent {
            return record.label.bytes(in: line).elementsEqual(
                record.prediction.bytes(in: line))
        }
        return record.labelNumber.isFinite && record.labelNumber == record.predictionNumber
    }

    /// The slot of the feature named `name`, trying the same position as in the last line first
    /// (lines of one model list their features in the same order); adds it when new.
    @inline(__always)
    private mutating func featureIndex(_ name: UnsafeRawBufferPointer, hint: Int) -> Int? {
        if hint < features.count, Self.equal(features[hint].nameBytes, name) { return hint }
        for index in features.indices where Self.equal(features[index].nameBytes, name) { return index }
        guard features.count < Self.featureCapacity else { return nil }
        features.append(FeatureProfile(name: String(decoding: name, as: UTF8.self)))
        return features.count - 1
    }

    @inline(__always)
    static func equal(_ stored: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        ByteKeyTable.equal(stored, bytes)
    }

    enum CodingKeys: String, CodingKey {
        case records, firstMillis = "first_ms", lastMillis = "last_ms", features
        case droppedFeatureValues = "dropped_feature_values", predictions
        case numericPredictions = "numeric_predictions", score
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", latency
        case labelled, correct, versions
    }
}

/// Names one model's drift window.
public struct ProfileKey: Hashable, Sendable, Comparable {
    public var model: String
    /// Start of the drift window, milliseconds since the epoch (a multiple of the window length).
    public var windowStartMillis: Int64

    public init(model: String, windowStartMillis: Int64) {
        self.model = model
        self.windowStartMillis = windowStartMillis
    }

    public static func < (lhs: ProfileKey, rhs: ProfileKey) -> Bool {
        (lhs.model, lhs.windowStartMillis) < (rhs.model, rhs.windowStartMillis)
    }
}

/// The profiles of every model, one per drift window (a UTC calendar day by default, so a
/// feature that follows the time of day looks the same in every window).
///
/// Memory grows with models × windows × features, never with records: each profile has a fixed
/// size (see `ModelProfile`).
public struct ModelProfiles: Sendable {
    public var windowMillis: Int64
    public var profiles: [ProfileKey: ModelProfile] = [:]

    public static let defaultWindowMillis: Int64 = 86_400_000

    public init(windowMillis: Int64 = ModelProfiles.defaultWindowMillis) {
        self.windowMillis = windowMillis
    }

    /// Adds another run's profiles; when one side's windows are longer (it ran out of profile
    /// budget first), the other side is coarsened to the same length first.
    public mutating func merge(_ other: ModelProfiles) {
        var other = other
        if other.windowMillis > windowMillis { coarsen(to: other.windowMillis) }
        if windowMillis > other.windowMillis { other.coarsen(to: windowMillis) }
        profiles.merge(other.profiles) { first, second in
            var combined = first
            combined.merge(second)
            combined.sortFeatures()
            return combined
        }
    }

    /// Merges windows into longer ones of `length` (a multiple of the current length).
    public mutating func coarsen(to length: Int64) {
        guard length > windowMillis else { return }
        var coarser: [ProfileKey: ModelProfile] = [:]
        for (key, profile) in profiles {
            let start = ChunkAggregator.floor(key.windowStartMillis, to: length)
            coarser[ProfileKey(model: key.model, windowStartMillis: start), default: ModelProfile()].merge(profile)
        }
        for key in coarser.keys { coarser[key]?.sortFeatures() }
        profiles = coarser
        windowMillis = length
    }

    public var models: [String] { Set(profiles.keys.map(\.model)).sorted() }

    /// One model's windows in time order.
    public func windows(of model: String) -> [(key: ProfileKey, profile: ModelProfile)] {
        profiles.filter { $0.key.model == model }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Approximate bytes held by all profiles.
    public var footprint: Int { profiles.values.reduce(0) { $0 + $1.footprint } }
}

/// One worker's profiles while it reads: models by the worker's interned symbol, so a record
/// costs one small-integer hash lookup (none when it belongs to the same model and window as the
/// one before), then a feature-name comparison per feature.
struct ProfileBuilder {
    private(set) var windowMillis: Int64
    /// Bytes the worker's profiles may hold: when a new window would pass it, windows double in
    /// length (a day, two, four ...), so memory stays bounded however long the input runs.
    let budget: Int
    private struct LocalKey: Hashable {
        var model: Int32
        var windowStartMillis: Int64
    }
    private var slots: [ModelProfile] = []
    /// Per slot, records by the worker's model-version symbol (a short list: no hashing).
    private var versionTallies: [[(symbol: Int32, count: Int)]] = []
    private var keys: [LocalKey] = []
    private var index: [LocalKey: Int] = [:]
    private var lastKey = LocalKey(model: -1, windowStartMillis: .min)
    private var lastSlot = -1
    /// The slot each model (by symbol, modulo 16) used last: records of several models
    /// interleave, and this saves hashing the key on every switch.
    private var recentKeys = [LocalKey](repeating: LocalKey(model: -1, windowStartMillis: .min), count: 16)
    private var recentSlots = [Int](repeating: -1, count: 16)

    init(windowMillis: Int64, budget: Int = AnalysisOptions.defaultProfileBudget) {
        self.windowMillis = windowMillis
        self.budget = budget
    }

    @inline(__always)
    mutating func add(_ record: ParsedRecord, line: UnsafeRawBufferPointer, model: Int32, version: Int32) {
        var key = LocalKey(
            model: model, windowStartMillis: ChunkAggregator.floor(record.timestampMillis, to: windowMillis))
        if key != lastKey {
            let recent = Int(key.model) & 15
            if recentKeys[recent] == key {
                lastSlot = recentSlots[recent]
            } else if let slot = index[key] {
                lastSlot = slot
                recentKeys[recent] = key
                recentSlots[recent] = slot
            } else {
                if !slots.isEmpty && footprint > budget {
                    coarsen()
                    key.windowStartMillis = ChunkAggregator.floor(record.timestampMillis, to: windowMillis)
                }
                if let slot = index[key] {
                    lastSlot = slot
                    lastKey = key
                    slots[lastSlot].add(record, line: line)
                    if version != SymbolTable.absentSymbol { tally(version) }
                    return
                }
                lastSlot = slots.count
                slots.append(ModelProfile())
                versionTallies.append([])
                keys.append(key)
                index[key] = lastSlot
            }
            lastKey = key
        }
        slots[lastSlot].add(record, line: line)
        if version != SymbolTable.absentSymbol { tally(version) }
    }

    @inline(__always)
    private mutating func tally(_ version: Int32) {
        for index in versionTallies[lastSlot].indices where versionTallies[lastSlot][index].symbol == version {
            versionTallies[lastSlot][index].count += 1
            return
        }
        versionTallies[lastSlot].append((version, 1))
    }

    /// Approximate bytes held; computed when a window opens, not per record.
    var footprint: Int { slots.reduce(0) { $0 + $1.footprint } }

    /// Doubles the window length, merging each pair of windows.
    private mutating func coarsen() {
        windowMillis *= 2
        var newSlots: [ModelProfile] = []
        var newTallies: [[(symbol: Int32, count: Int)]] = []
        var newKeys: [LocalKey] = []
        var newIndex: [LocalKey: Int] = [:]
        for (slot, key) in keys.enumerated() {
            let coarse = LocalKey(
                model: key.model, windowStartMillis: ChunkAggregator.floor(key.windowStartMillis, to: windowMillis))
            if let target = newIndex[coarse] {
                newSlots[target].merge(slots[slot])
                for (symbol, count) in versionTallies[slot] {
                    if let at = newTallies[target].firstIndex(where: { $0.symbol == symbol }) {
                        newTallies[target][at].count += count
                    } else {
                        newTallies[target].append((symbol, count))
                    }
                }
            } else {
                newIndex[coarse] = newSlots.count
                newSlots.append(slots[slot])
                newTallies.append(versionTallies[slot])
                newKeys.append(coarse)
            }
        }
        slots = newSlots
        versionTallies = newTallies
        keys = newKeys
        index = newIndex
        lastKey = LocalKey(model: -1, windowStartMillis: .min)
        lastSlot = -1
        for index in recentKeys.indices { recentKeys[index] = lastKey }
    }

    /// The profiles with model names resolved.
    func finish(name: (Int32) -> String?) -> ModelProfiles {
        var out = ModelProfiles(windowMillis: windowMillis)
        for (slot, key) in keys.enumerated() {
            let named = ProfileKey(model: name(key.model) ?? "(no model)", windowStartMillis: key.windowStartMillis)
            var profile = slots[slot]
            for (symbol, count) in versionTallies[slot] { profile.versions.add(name(symbol) ?? "(none)", count: count) }
            out.profiles[named, default: ModelProfile()].merge(profile)
        }
        for key in out.profiles.keys { out.profiles[key]?.sortFeatures() }
        return out
    }
}
