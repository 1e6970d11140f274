import Foundation

/// What identifies an input file across runs and machines, whatever path it was read under:
/// its size as read and a hash of its first bytes. Two sources whose first
/// `SourceIdentity.prefixLength` bytes are the same are the same file (or one grew since the
/// other was read): log lines start with timestamps and ids, and gzip headers carry a time, so
/// different files differ within their first lines.
public struct SourceIdentity: Hashable, Sendable {
    /// Bytes hashed from the start of the file: ten or more log lines, read in one small read.
    public static let prefixLength = 4096
    /// Bytes of the file that were read (compressed bytes for gzip).
    public var size: Int64
    /// How many bytes were hashed: `min(size, prefixLength)`.
    public var hashedBytes: Int
    public var prefixHash: UInt64

    public init(size: Int64, hashedBytes: Int, prefixHash: UInt64) {
        self.size = size
        self.hashedBytes = hashedBytes
        self.prefixHash = prefixHash
    }

    /// The identity of the file at `path` of which `size` bytes were read; nil for standard
    /// input, an empty source or a file that cannot be opened now (such a source cannot be
    /// recognised in another shard).
    public static func of(path: String, size: Int64) -> SourceIdentity? {
        guard path != "-", size > 0, let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let wanted = Int(min(size, Int64(prefixLength)))
        guard let data = try? handle.read(upToCount: wanted), data.count == wanted else { return nil }
        let hash = data.withUnsafeBytes { ByteHashing.hash($0) }
        return SourceIdentity(size: size, hashedBytes: wanted, prefixHash: hash)
    }

    /// Whether two sources hold the same file: the same first bytes (sizes may differ when the
    /// file grew between the two reads).
    public func overlaps(_ other: SourceIdentity) -> Bool {
        hashedBytes == other.hashedBytes && prefixHash == other.prefixHash
    }
}

extension SourceIdentity: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(size)
        writer.write(hashedBytes)
        writer.writeFixed(prefixHash)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(
            size: try reader.readInt64(), hashedBytes: try reader.readCount(), prefixHash: try reader.readFixedUInt64())
    }
}

/// A run's mergeable summary with what merging it with other runs needs: each source's identity
/// (to refuse counting one file twice) and the options that shape the summary.
///
/// ```swift
/// let state = AnalysisState(summary: analysis.read(sources), options: options)
/// try StateFile.write(state, to: "inf-1.state")
/// let merged = try AnalysisState.merging([try StateFile.read(from: "inf-1.state"), gateway])
/// let result = Analysis(configuration: merged.configuration()).evaluate(merged.summary)
/// ```
public struct AnalysisState: Sendable {
    public var summary: AnalysisSummary
    /// Per source of `summary.sources`, in the same order.
    public var identities: [SourceIdentity?]
    /// The drift window the profiles were kept for; nil when the run kept none (`--no-profiles`).
    public var profileWindowMillis: Int64?
    /// The window-table budget the run coarsened to (`AnalysisOptions.windowBudget`).
    public var windowBudget: Int
    /// When the state was made, in milliseconds since the epoch.
    public var createdMillis: Int64
    /// A random number per `analyze` run, and for a merged state those of every run merged into
    /// it: two states sharing one hold the same run's data, even when its sources (standard
    /// input) have no identity.
    public var runIDs: Set<UInt64>

    public init(
        summary: AnalysisSummary, identities: [SourceIdentity?], profileWindowMillis: Int64?, windowBudget: Int,
        createdMillis: Int64? = nil, runIDs: Set<UInt64>? = nil
    ) {
        self.runIDs = runIDs ?? [UInt64.random(in: 1...UInt64.max)]
        self.summary = summary
        self.identities = identities
        self.profileWindowMillis = profileWindowMillis
        self.windowBudget = windowBudget
        self.createdMillis = createdMillis ?? Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// The state of a run that just read its sources with `options`: identities are taken from
    /// the files now (their first bytes; the size is what the run read). `openedPaths`, one per
    /// source, are where the files were opened when that differs from the name each reports
    /// (`InputSource.name`: a local copy of a remote file reports the file's URI).
    public init(summary: AnalysisSummary, options: AnalysisOptions, openedPaths: [String]? = nil) {
        let opened = openedPaths.flatMap { $0.count == summary.sources.count ? $0 : nil }
        self.init(
            summary: summary,
            identities: summary.sources.indices.map { index in
                SourceIdentity.of(
                    path: opened?[index] ?? summary.sources[index].path, size: summary.sources[index].bytesRead)
            },
            profileWindowMillis: options.profileWindowMillis, windowBudget: options.windowBudget)
    }

    /// The options an `Analysis` evaluating this state needs (profiling on or off as the runs had it).
    public func options(threads: Int = 1) -> AnalysisOptions {
        var options = AnalysisOptions(threads: threads)
        options.windowMillis = summary.windowMillis
        options.profileWindowMillis = profileWindowMillis
        options.windowBudget = windowBudget
        return options
    }

    /// Merges the states of shards (runs over disjoint inputs) into the state one run over all
    /// their inputs would have: sources are listed in byte order of their paths and every
    /// table that names a source by index is renumbered; windows of different lengths are
    /// coarsened to the longest; shards are merged in the order of their first source, so the
    /// result (and the events evaluated from it) does not depend on the order of `shards`.
    ///
    /// Refused, with a message naming the shards: a file in two shards (same identity), window
    /// lengths that do not nest, drift windows that do not nest, profiles kept by some shards
    /// and not by others. `names` label the shards in messages (their file names).
    public static func merging(_ shards: [AnalysisState], names: [String]? = nil) throws(StateFileError)
        -> AnalysisState
    {
        guard !shards.isEmpty else { throw StateFileError("nothing to merge: give at least one state") }
        let names = names ?? shards.indices.map { "state \($0 + 1)" }
        try checkCompatible(shards, names: names)

        // Every source of every shard, in byte order of path (ties: identity, then shard order).
        var all: [(shard: Int, index: Int)] = []
        for (shard, state) in shards.enumerated() {
            for index in state.summary.sources.indices { all.append((shard, index)) }
        }
        func sortKey(_ entry: (shard: Int, index: Int)) -> ([UInt8], Int64, UInt64, Int) {
            let identity = shards[entry.shard].identities[entry.index]
            return (
                Array(shards[entry.shard].summary.sources[entry.index].path.utf8), identity?.size ?? -1,
                identity?.prefixHash ?? 0, entry.shard
            )
        }
        let ordered = all.map { ($0, sortKey($0)) }.sorted { lhs, rhs in
            let (a, b) = (lhs.1, rhs.1)
            if a.0 != b.0 { return a.0.lexicographicallyPrecedes(b.0) }
            return (a.1, a.2, a.3, lhs.0.index) < (b.1, b.2, b.3, rhs.0.index)
        }.map(\.0)
        try checkDisjoint(shards, ordered: ordered, names: names)

        var remaps = shards.map { [Int](repeating: 0, count: $0.summary.sources.count) }
        var sources: [SourceStatistics] = []
        var identities: [SourceIdentity?] = []
        for (newIndex, entry) in ordered.enumerated() {
            remaps[entry.shard][entry.index] = newIndex
            var statistics = shards[entry.shard].summary.sources[entry.index]
            sources.append(statistics)
            identities.append(shards[entry.shard].identities[entry.index])
        }

        // Shards in the order of their first source: a canonical order for the sketches whose
        // merge is commutative but not exactly associative (heavy hitters past their capacity).
        let shardOrder = shards.indices.sorted { lhs, rhs in
            (remaps[lhs].min() ?? Int.max, lhs) < (remaps[rhs].min() ?? Int.max, rhs)
        }
        var merged: AnalysisSummary?
        for shard in shardOrder {
            var summary = shards[shard].summary.remappingSources(remaps[shard])
            if merged == nil {
                summary.sources = sources
                merged = summary
            } else {
                summary.sources = []
                merged!.merge(summary)
            }
        }
        var result = merged!
        let budget = shards.map(\.windowBudget).max()!
        result.coarsen(toFit: budget)
        return AnalysisState(
            summary: result, identities: identities, profileWindowMillis: shards[shardOrder[0]].profileWindowMillis,
            windowBudget: budget, runIDs: shards.reduce(into: Set<UInt64>()) { $0.formUnion($1.runIDs) })
    }

    private static func checkCompatible(_ shards: [AnalysisState], names: [String]) throws(StateFileError) {
        var runs: [UInt64: Int] = [:]
        for (shard, state) in shards.enumerated() {
            for run in state.runIDs {
                if let earlier = runs.updateValue(shard, forKey: run) {
                    throw StateFileError(
                        "\(names[earlier]) and \(names[shard]) hold the same analyze run (a state given twice, or merged into the other already); merging would count it twice"
                    )
                }
            }
        }
        let longest = shards.map(\.summary.windowMillis).max()!
        for (shard, state) in shards.enumerated() where !reaches(state.summary.windowMillis, longest) {
            throw StateFileError(
                "\(names[shard]) has \(describe(state.summary.windowMillis)) windows, which do not nest in the \(describe(longest)) windows of another state; analyse the shards with the same --window-seconds"
            )
        }
        let profiled = shards.indices.filter { shards[$0].profileWindowMillis != nil }
        if !profiled.isEmpty && profiled.count != shards.count {
            let without = shards.indices.first { shards[$0].profileWindowMillis == nil }!
            throw StateFileError(
                "\(names[profiled[0]]) kept drift profiles and \(names[without]) did not; analyse every shard with profiles, or every shard without"
            )
        }
        let driftWindows = shards.map(\.summary.profiles.windowMillis)
        let longestDrift = driftWindows.max()!
        if let odd = driftWindows.firstIndex(where: { longestDrift % $0 != 0 }) {
            throw StateFileError(
                "\(names[odd])'s drift windows (\(describe(driftWindows[odd]))) do not divide another state's (\(describe(longestDrift))); use the same drift.window_hours for every shard"
            )
        }
    }

    private static func checkDisjoint(
        _ shards: [AnalysisState], ordered: [(shard: Int, index: Int)], names: [String]
    ) throws(StateFileError) {
        var byPrefix: [UInt64: [(shard: Int, index: Int)]] = [:]
        for entry in ordered {
            guard let identity = shards[entry.shard].identities[entry.index] else { continue }
            for earlier in byPrefix[identity.prefixHash] ?? [] {
                guard let theirs = shards[earlier.shard].identities[earlier.index], theirs.overlaps(identity) else {
                    continue
                }
                let first = shards[earlier.shard].summary.sources[earlier.index].path
                let second = shards[entry.shard].summary.sources[entry.index].path
                let place =
                    earlier.shard == entry.shard
                    ? "twice in \(names[entry.shard])" : "in \(names[earlier.shard]) and \(names[entry.shard])"
                throw StateFileError(
                    "\(first) (\(theirs.size) bytes) and \(second) (\(identity.size) bytes), \(place), begin with the same \(identity.hashedBytes) bytes: they are the same file (or one grew since), and merging would count it twice; merge states of disjoint inputs only"
                )
            }
            byPrefix[identity.prefixHash, default: []].append(entry)
        }
    }

    /// Whether coarsening windows of `length` along `AnalysisSummary.coarserWindow` reaches `target`.
    static func reaches(_ length: Int64, _ target: Int64) -> Bool {
        var current = length
        while current < target { current = AnalysisSummary.coarserWindow(after: current) }
        return current == target
    }

    static func describe(_ millis: Int64) -> String {
        millis % 1000 == 0 ? "\(millis / 1000) s" : "\(millis) ms"
    }
}

extension AnalysisState: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(createdMillis)
        writer.write(runIDs.sorted())
        writer.write(profileWindowMillis)
        writer.write(windowBudget)
        writer.write(identities)
        writer.write(summary)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        let created = try reader.readInt64()
        let runs = try reader.readArray(UInt64.self)
        let runIDs = Set(runs)
        try reader.check(!runs.isEmpty && runIDs.count == runs.count, "a state without run ids, or one twice")
        let profileWindow = try reader.read(Int64?.self)
        let budget = try reader.readCount()
        let identities = try reader.readArray(SourceIdentity?.self)
        let summary = try reader.read(AnalysisSummary.self)
        try reader.check(
            identities.count == summary.sources.count,
            "\(identities.count) source identities for \(summary.sources.count) sources")
        try reader.check(profileWindow.map { $0 > 0 } ?? true, "a drift window of \(profileWindow ?? 0) ms")
        self.init(
            summary: summary, identities: identities, profileWindowMillis: profileWindow, windowBudget: budget,
            createdMillis: created, runIDs: runIDs)
    }
}

extension AnalysisSummary {
    /// The same summary with every source index `i` replaced by `remap[i]` (window keys,
    /// sampled requests, time-order segments); `sources` itself is left as it is.
    func remappingSources(_ remap: [Int]) -> AnalysisSummary {
        var copy = self
        var moved: [WindowKey: StreamWindow] = [:]
        moved.reserveCapacity(windows.count)
        for (key, window) in windows {
            var key = key
            key.source = remap[key.source]
            moved[key] = window
        }
        copy.windows = moved
        copy.requestSamples = requestSamples.remappingSources(remap)
        return copy
    }
}
