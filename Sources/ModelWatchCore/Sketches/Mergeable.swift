/// A summary that combines with another of its kind by adding: counts add, sketches merge, so
/// the result does not depend on how the input was split among workers or files.
protocol Mergeable {
    mutating func merge(_ other: Self)
}

extension Dictionary where Value: Mergeable {
    /// Merges `other`'s values into this dictionary's, key by key; a key only `other` has
    /// takes its value as it is.
    mutating func mergeAdding(_ other: [Key: Value]) {
        merge(other) { first, second in
            var combined = first
            combined.merge(second)
            return combined
        }
    }
}

extension Dictionary where Value: Mergeable {
    /// The same values under keys whose window start (`start`) is floored to `length`; values
    /// whose keys now coincide merge. How every window table grows its windows: each length of
    /// `AnalysisSummary.coarserWindow` is a multiple of the one before, so nothing but
    /// resolution is lost.
    func rebucketed(_ start: WritableKeyPath<Key, Int64>, to length: Int64) -> [Key: Value] {
        var coarser: [Key: Value] = [:]
        coarser.reserveCapacity(count / 2)
        for (key, value) in self {
            var key = key
            key[keyPath: start] = ChunkAggregator.floor(key[keyPath: start], to: length)
            if var existing = coarser.removeValue(forKey: key) {
                existing.merge(value)
                coarser[key] = existing
            } else {
                coarser[key] = value
            }
        }
        return coarser
    }
}
