/// Event-time watermarks for `live` mode, one per source, and the run's watermark derived from
/// them (SPEC.md "The three modes share one analysis").
///
/// Each source has its own clock: its watermark is the latest event time it wrote minus the
/// allowed lateness, and a record of that source stamped before its last closed window is late
/// (counted, still aggregated). Per-source watermarks rather than a cap on one global clock:
/// a source whose clock runs an hour ahead then makes only its *own* older records late, never
/// another source's, and needs no guess of how far ahead is "too far" (a cap would have to pick
/// a number, and either flag honest bursts or let a bad clock through). This is how Apache
/// Flink combines the watermarks of a stream's partitions (the minimum over the active ones).
///
/// The run's watermark, which decides when windows close and incidents are written, is the
/// minimum over the *active* sources, so no source's open window is judged early. A source that
/// wrote nothing for `lateness` of wall-clock time is idle: its own watermark then advances
/// with the wall clock (so a quiet stream still closes its windows, SPEC.md's idle rule) and it
/// no longer holds the run's watermark back (Flink's idleness). When every source is idle the
/// run's watermark is the furthest source's.
///
/// Example: lateness 30 s; gateway at 12:00:40, inference at 12:00:35: watermarks 12:00:10 and
/// 12:00:05; the run's is 12:00:05. If the gateway clock jumps to 13:00:00, its watermark is
/// 12:59:30 but the run's stays 12:00:05, and inference records of 12:00:20 are not late.
public struct EventClock: Sendable {
    /// How far behind a source's latest record another of its records may be and still be on time.
    public let latenessMillis: Int64
    /// Length of the windows the detectors see: a record is late once its window has closed.
    public let windowMillis: Int64

    struct SourceClock: Sendable, Codable {
        var latestMillis: Int64 = .min
        var watermarkMillis: Int64 = .min
        /// Wall time of the last record that moved (or matched) the latest event time.
        var lastArrivalWallMillis: Int64
    }

    private(set) var clocks: [SourceClock] = []

    public init(latenessMillis: Int64, windowMillis: Int64) {
        self.latenessMillis = max(0, latenessMillis)
        self.windowMillis = max(1, windowMillis)
    }

    /// Takes the clocks of a resumed run (from its checkpoint). Idle time is measured from now.
    mutating func restore(_ saved: [SourceClock], wallMillis: Int64) {
        clocks = saved.map { clock in
            var clock = clock
            clock.lastArrivalWallMillis = wallMillis
            return clock
        }
    }

    /// Registers source `index` (sources are numbered in the order they are first followed).
    public mutating func addSource(_ index: Int, wallMillis: Int64) {
        while clocks.count <= index { clocks.append(SourceClock(lastArrivalWallMillis: wallMillis)) }
    }

    /// Notes that source `index` has now been read up to records as late as `latestMillis`.
    public mutating func observe(source index: Int, latestMillis: Int64, wallMillis: Int64) {
        addSource(index, wallMillis: wallMillis)
        guard latestMillis != .min else { return }
        if latestMillis >= clocks[index].latestMillis {
            clocks[index].lastArrivalWallMillis = wallMillis
        }
        clocks[index].latestMillis = max(clocks[index].latestMillis, latestMillis)
        advance(index, wallMillis: wallMillis)
    }

    /// Moves every source's watermark by the idle rule (call on each tick of the loop).
    public mutating func tick(wallMillis: Int64) {
        for index in clocks.indices { advance(index, wallMillis: wallMillis) }
    }

    private mutating func advance(_ index: Int, wallMillis: Int64) {
        let clock = clocks[index]
        guard clock.latestMillis != .min else { return }
        var candidate = clock.latestMillis - latenessMillis
        let idle = wallMillis - clock.lastArrivalWallMillis
        if idle >= latenessMillis { candidate = clock.latestMillis + (idle - latenessMillis) }
        clocks[index].watermarkMillis = max(clock.watermarkMillis, candidate)
    }

    /// Whether source `index` wrote nothing for `lateness` of wall time.
    public func isIdle(_ index: Int, wallMillis: Int64) -> Bool {
        wallMillis - clocks[index].lastArrivalWallMillis >= latenessMillis
    }

    /// Source `index`'s own watermark (`.min` before its first record).
    public func watermark(ofSource index: Int) -> Int64 {
        index < clocks.count ? clocks[index].watermarkMillis : .min
    }

    /// Per source, the end of its last closed window: records stamped before it are late.
    public var closedBefore: [Int64] {
        clocks.map { $0.watermarkMillis == .min ? .min : Self.floor($0.watermarkMillis, to: windowMillis) }
    }

    /// The run's watermark: the minimum over sources that have records and are not idle, or the
    /// furthest source's when all are idle; `.min` before any record.
    public func watermark(wallMillis: Int64) -> Int64 {
        let started = clocks.indices.filter { clocks[$0].latestMillis != .min }
        let active = started.filter { !isIdle($0, wallMillis: wallMillis) }
        if let lowest = active.map({ clocks[$0].watermarkMillis }).min() { return lowest }
        return started.map { clocks[$0].watermarkMillis }.max() ?? .min
    }

    /// The latest event time of any source.
    public var latestMillis: Int64 { clocks.map(\.latestMillis).max() ?? .min }

    static func floor(_ value: Int64, to step: Int64) -> Int64 {
        let remainder = value % step
        return remainder >= 0 ? value - remainder : value - remainder - step
    }
}
