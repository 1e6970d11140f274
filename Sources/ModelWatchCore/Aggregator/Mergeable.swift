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
