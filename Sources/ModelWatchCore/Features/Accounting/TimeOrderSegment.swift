/// How the timestamps of a run of consecutive chunks of one source moved: a log writer stamps
/// lines in the order it writes them, so a record more than `AnalysisOptions.backwardToleranceMillis`
/// earlier than a record written before it means time ran backwards in that source (a clock
/// stepped back, or old lines spliced into the file).
///
/// A step is one backward episode: the first record behind, and the records after it that stay
/// behind, count once (a spliced-in block of old lines is one step, its largest lag the size).
///
/// Chunks of one source are parsed by different workers; each chunk yields a segment, and
/// segments of consecutive chunks join (`joined(with:)`) in sequence order. Across a chunk
/// boundary the later side's first and earliest stamps are compared with the earlier side's
/// latest; records of the later chunk behind the earlier side's latest but in order among
/// themselves are seen through its earliest stamp only.
public struct TimeOrderSegment: Sendable, Equatable {
    public var sourceIndex: Int
    public var firstSequence: Int
    public var lastSequence: Int
    /// Earliest and latest stamps of the segment, and the byte offset of the line with the earliest.
    public var earliestMillis: Int64 = .max
    public var earliestOffset: Int64 = 0
    public var latestMillis: Int64 = .min
    /// The first record's stamp, and whether the last record was behind (an episode still open).
    public var firstMillis: Int64 = .min
    public var endsBehind = false
    /// Backward episodes: runs of records more than the tolerance behind the latest stamp before them.
    public var backwardSteps = 0
    /// The largest such step, where its record starts and the stamps on both sides of the first step.
    public var largestStepMillis: Int64 = 0
    public var firstStepOffset: Int64?
    public var firstStepFromMillis: Int64 = 0
    public var firstStepToMillis: Int64 = 0

    public init(sourceIndex: Int, sequence: Int) {
        self.sourceIndex = sourceIndex
        firstSequence = sequence
        lastSequence = sequence
    }

    /// Takes the next record of the chunk, in line order.
    @inline(__always)
    mutating func add(_ millis: Int64, offset: Int64, tolerance: Int64) {
        if firstMillis == .min { firstMillis = millis }
        let behind = latestMillis != .min && millis < latestMillis - tolerance
        if behind {
            if endsBehind {
                largestStepMillis = max(largestStepMillis, latestMillis - millis)
            } else {
                noteStep(from: latestMillis, to: millis, offset: offset)
            }
        }
        endsBehind = behind
        if millis < earliestMillis {
            earliestMillis = millis
            earliestOffset = offset
        }
        if millis > latestMillis { latestMillis = millis }
    }

    private mutating func noteStep(from: Int64, to: Int64, offset: Int64) {
        backwardSteps += 1
        largestStepMillis = max(largestStepMillis, from - to)
        if firstStepOffset == nil {
            firstStepOffset = offset
            firstStepFromMillis = from
            firstStepToMillis = to
        }
    }

    /// This segment followed by `next` (whose first chunk comes right after this one's last).
    func joined(with next: TimeOrderSegment, tolerance: Int64) -> TimeOrderSegment {
        var result = self
        result.lastSequence = next.lastSequence
        let startsBehind =
            latestMillis != .min && next.firstMillis != .min && next.firstMillis < latestMillis - tolerance
        if latestMillis != .min && next.earliestMillis != .max && next.earliestMillis < latestMillis - tolerance {
            if startsBehind && endsBehind {
                result.largestStepMillis = max(result.largestStepMillis, latestMillis - next.earliestMillis)
            } else {
                result.noteStep(from: latestMillis, to: next.earliestMillis, offset: next.earliestOffset)
            }
        }
        if next.firstMillis != .min {
            result.endsBehind = next.endsBehind || (next.latestMillis < latestMillis - tolerance)
            if result.firstMillis == .min { result.firstMillis = next.firstMillis }
        }
        if next.backwardSteps > 0 {
            let firstOffset = result.firstStepOffset
            result.backwardSteps += next.backwardSteps
            result.largestStepMillis = max(result.largestStepMillis, next.largestStepMillis)
            if firstOffset == nil {
                result.firstStepOffset = next.firstStepOffset
                result.firstStepFromMillis = next.firstStepFromMillis
                result.firstStepToMillis = next.firstStepToMillis
            }
        }
        if next.earliestMillis < result.earliestMillis {
            result.earliestMillis = next.earliestMillis
            result.earliestOffset = next.earliestOffset
        }
        result.latestMillis = max(latestMillis, next.latestMillis)
        return result
    }
}

/// Joins the time-order segments of each source as chunks finish, in any order: segments wait
/// until their predecessor has arrived, so only chunks parsed out of order are held (a few per
/// worker), and the result per source is one segment. Used behind a lock by the batch pipeline,
/// and directly by a single-threaded reader.
public struct TimeOrderLedger: Sendable {
    public let toleranceMillis: Int64
    /// Per source: the joined run from its first chunk, and segments waiting for a predecessor.
    private var joined: [Int: TimeOrderSegment] = [:]
    private var waiting: [Int: [Int: TimeOrderSegment]] = [:]

    public init(toleranceMillis: Int64) {
        self.toleranceMillis = toleranceMillis
    }

    public mutating func add(_ segment: TimeOrderSegment) {
        waiting[segment.sourceIndex, default: [:]][segment.firstSequence] = segment
        drain(segment.sourceIndex)
    }

    /// Joins every waiting segment that now follows the source's run (the first chunk starts it).
    private mutating func drain(_ source: Int) {
        if joined[source] == nil {
            guard let first = waiting[source]?.removeValue(forKey: 0) else { return }
            joined[source] = first
        }
        var run = joined[source]!
        while let next = waiting[source]?.removeValue(forKey: run.lastSequence + 1) {
            run = run.joined(with: next, tolerance: toleranceMillis)
        }
        joined[source] = run
        if waiting[source]?.isEmpty == true { waiting[source] = nil }
    }

    /// The joined result per source. Segments still waiting (a chunk never arrived) are joined
    /// in sequence order as if adjacent.
    public func result() -> [Int: TimeOrderSegment] {
        var result = joined
        for (source, pending) in waiting {
            for sequence in pending.keys.sorted() {
                let segment = pending[sequence]!
                result[source] = result[source].map { $0.joined(with: segment, tolerance: toleranceMillis) } ?? segment
            }
        }
        return result
    }
}

extension TimeOrderSegment: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(sourceIndex)
        writer.write(firstSequence)
        writer.write(lastSequence)
        writer.write(earliestMillis)
        writer.write(earliestOffset)
        writer.write(latestMillis)
        writer.write(firstMillis)
        writer.write(endsBehind)
        writer.write(backwardSteps)
        writer.write(largestStepMillis)
        writer.write(firstStepOffset)
        writer.write(firstStepFromMillis)
        writer.write(firstStepToMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(sourceIndex: try reader.readCount(), sequence: try reader.readCount())
        lastSequence = try reader.readCount()
        earliestMillis = try reader.readMillis()
        earliestOffset = try reader.readInt64()
        latestMillis = try reader.readMillis()
        firstMillis = try reader.readMillis()
        endsBehind = try reader.readBool()
        backwardSteps = try reader.readCount()
        largestStepMillis = try reader.readMillis()
        firstStepOffset = try reader.read()
        firstStepFromMillis = try reader.readMillis()
        firstStepToMillis = try reader.readMillis()
    }
}
