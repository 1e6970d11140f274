/// The stamps of one chunk's records in line order, with the decoded byte offset where each
/// line starts: what the time-order check of its source needs from the chunk.
///
/// Chunks of one source are parsed by different workers, and whether a record is behind depends
/// on every record written before it, in earlier chunks too; so a worker only collects, and
/// `TimeOrderLedger` runs the check over the chunks in file order (`TimeOrderCheck`). The arrays
/// live as long as their chunk waits for its predecessor: 16 bytes a record, a few chunks per
/// worker (see `TimeOrderLedger`).
public struct TimeOrderSegment: Sendable, Equatable {
    public var sourceIndex: Int
    /// The chunk's position in its source (`LineChunk.sequence`).
    public var sequence: Int
    public private(set) var stamps: [Int64] = []
    public private(set) var offsets: [Int64] = []
    /// The host named by the chunk's first record that names one (the writer of the file).
    public var host: String?

    public init(sourceIndex: Int, sequence: Int) {
        self.sourceIndex = sourceIndex
        self.sequence = sequence
    }

    /// Takes the next record of the chunk, in line order.
    @inline(__always)
    public mutating func add(_ millis: Int64, offset: Int64) {
        stamps.append(millis)
        offsets.append(offset)
    }
}

/// One backward episode of a source: a record more than the tolerance earlier than the latest
/// stamp before it, and the records after it that stay behind, until one is back in order.
public struct BackwardEpisode: Sendable, Equatable {
    /// The stamp of the record just before the step, and the latest stamp before the step.
    public var previousMillis: Int64
    public var latestBeforeMillis: Int64
    /// Where the first record behind starts (decoded byte offset), and its stamp.
    public var offset: Int64
    public var firstMillis: Int64
    /// The earliest and latest stamps of the records behind, and how many there were.
    public var earliestMillis: Int64
    public var latestMillis: Int64
    public var records = 1
    /// Where the first record back in order starts; nil while the episode runs to the end of the file.
    public var endOffset: Int64?
}

/// How the stamps of one source moved in file order, checked in one pass: a log writer stamps
/// lines in the order it writes them, so a record more than `toleranceMillis` earlier than the
/// latest record written before it means time ran backwards (a clock stepped back, or old lines
/// spliced into the file).
///
/// A step is one backward episode: the first record behind, and the records after it that stay
/// behind, count once (a spliced-in block of old lines is one step, its largest lag the size).
///
/// - Complexity: O(1) per record, O(1) memory.
public struct TimeOrderCheck: Sendable, Equatable {
    /// The most distinct host names kept for the evidence (a file is normally written by one).
    public static let hostLimit = 4
    public let toleranceMillis: Int64
    /// The next chunk sequence the check expects (chunks are absorbed in file order).
    public private(set) var nextSequence = 0
    public private(set) var records = 0
    public private(set) var latestMillis: Int64 = .min
    private var previousMillis: Int64 = .min
    private var behind = false
    /// Backward episodes, the largest lag of any record behind, and the first episode in full.
    public private(set) var backwardSteps = 0
    public private(set) var largestStepMillis: Int64 = 0
    public private(set) var firstEpisode: BackwardEpisode?
    /// The hosts the file's records name (the first of each chunk), at most `hostLimit`.
    public private(set) var hosts: [String] = []

    public init(toleranceMillis: Int64) {
        self.toleranceMillis = toleranceMillis
    }

    /// Takes the next record of the source, in file order.
    @inline(__always)
    public mutating func add(_ millis: Int64, offset: Int64) {
        records += 1
        let isBehind = latestMillis != .min && millis < latestMillis - toleranceMillis
        if isBehind {
            largestStepMillis = max(largestStepMillis, latestMillis - millis)
            if !behind {
                backwardSteps += 1
                if firstEpisode == nil {
                    firstEpisode = BackwardEpisode(
                        previousMillis: previousMillis, latestBeforeMillis: latestMillis, offset: offset,
                        firstMillis: millis, earliestMillis: millis, latestMillis: millis)
                }
            } else if backwardSteps == 1 {
                firstEpisode!.records += 1
                firstEpisode!.earliestMillis = min(firstEpisode!.earliestMillis, millis)
                firstEpisode!.latestMillis = max(firstEpisode!.latestMillis, millis)
            }
        } else if behind && backwardSteps == 1 {
            firstEpisode!.endOffset = offset
        }
        behind = isBehind
        previousMillis = millis
        latestMillis = max(latestMillis, millis)
    }

    /// Takes the records of the source's next chunk (`segment.sequence == nextSequence`, or the
    /// next one that arrived when a chunk never did).
    public mutating func absorb(_ segment: TimeOrderSegment) {
        for index in segment.stamps.indices {
            add(segment.stamps[index], offset: segment.offsets[index])
        }
        if let host = segment.host, !hosts.contains(host), hosts.count < Self.hostLimit { hosts.append(host) }
        nextSequence = segment.sequence + 1
    }
}

/// Runs each source's time-order check over its chunks as they finish, in any order: a chunk
/// waits until its predecessor has been checked, so only chunks parsed out of order are held (a
/// few per worker), and the result per source is one `TimeOrderCheck`. Used behind a lock by the
/// batch pipeline.
public struct TimeOrderLedger: Sendable {
    public let toleranceMillis: Int64
    /// Per source: the check so far, and chunks waiting for a predecessor.
    private var checks: [Int: TimeOrderCheck] = [:]
    private var waiting: [Int: [Int: TimeOrderSegment]] = [:]

    public init(toleranceMillis: Int64) {
        self.toleranceMillis = toleranceMillis
    }

    /// Goes on from the checks of an earlier run over the same sources (a `live` checkpoint):
    /// each source's next chunk is `checks[source].nextSequence`.
    public init(toleranceMillis: Int64, resuming checks: [Int: TimeOrderCheck]) {
        self.toleranceMillis = toleranceMillis
        self.checks = checks
    }

    public mutating func add(_ segment: TimeOrderSegment) {
        let source = segment.sourceIndex
        var check = checks[source] ?? TimeOrderCheck(toleranceMillis: toleranceMillis)
        guard segment.sequence == check.nextSequence else {
            waiting[source, default: [:]][segment.sequence] = segment
            return
        }
        check.absorb(segment)
        while let next = waiting[source]?.removeValue(forKey: check.nextSequence) {
            check.absorb(next)
        }
        if waiting[source]?.isEmpty == true { waiting[source] = nil }
        checks[source] = check
    }

    /// The check per source. Chunks still waiting (a predecessor never arrived) are taken in
    /// sequence order as if adjacent.
    public func result() -> [Int: TimeOrderCheck] {
        var result = checks
        for (source, pending) in waiting {
            var check = result[source] ?? TimeOrderCheck(toleranceMillis: toleranceMillis)
            for sequence in pending.keys.sorted() { check.absorb(pending[sequence]!) }
            result[source] = check
        }
        return result
    }
}

extension BackwardEpisode: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(previousMillis)
        writer.write(latestBeforeMillis)
        writer.write(offset)
        writer.write(firstMillis)
        writer.write(earliestMillis)
        writer.write(latestMillis)
        writer.write(records)
        writer.write(endOffset ?? -1)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        previousMillis = try reader.readMillis()
        latestBeforeMillis = try reader.readMillis()
        offset = try reader.readInt64()
        firstMillis = try reader.readMillis()
        earliestMillis = try reader.readMillis()
        latestMillis = try reader.readMillis()
        records = try reader.readCount()
        let end = try reader.readInt64()
        endOffset = end < 0 ? nil : end
    }
}

/// A finished file's check is carried whole in a state (`analyze --save-state`, live
/// checkpoints, the nightly store), so a state read back reports the same time-order evidence.
extension TimeOrderCheck: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(toleranceMillis)
        writer.write(nextSequence)
        writer.write(records)
        writer.write(latestMillis)
        writer.write(previousMillis)
        writer.write(behind)
        writer.write(backwardSteps)
        writer.write(largestStepMillis)
        writer.write(firstEpisode)
        writer.write(hosts.count)
        for host in hosts { writer.write(host) }
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        let tolerance = try reader.readMillis()
        try reader.check(tolerance >= 0, "a negative time-order tolerance")
        self.init(toleranceMillis: tolerance)
        nextSequence = try reader.readCount()
        records = try reader.readCount()
        latestMillis = try reader.readMillis()
        previousMillis = try reader.readMillis()
        behind = try reader.readBool()
        backwardSteps = try reader.readCount()
        largestStepMillis = try reader.readMillis()
        try reader.check(largestStepMillis >= 0, "a negative backward step")
        firstEpisode = try reader.readOptional(BackwardEpisode.self)
        let hostCount = try reader.readLength()
        try reader.check(hostCount <= Self.hostLimit, "more time-order hosts than kept")
        hosts = []
        for _ in 0..<hostCount { hosts.append(try reader.readString()) }
    }
}
