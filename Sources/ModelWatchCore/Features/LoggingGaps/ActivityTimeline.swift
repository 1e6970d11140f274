/// Records per time bucket (one minute to start with) of each log stream: what the logging-gap
/// detector reads to find a stream that went silent while the others kept writing.
///
/// A stream is whatever writes steadily: a serving host of the inference logs, or a series of
/// access-log files. Counts live in blocks of `bucketsPerBlock` buckets, so a stream costs about
/// 4 bytes a bucket only where it wrote. When the blocks pass `maximumBlocks`, buckets double in
/// length (counts add, nothing but resolution is lost): memory stays bounded however long the
/// input, and a month of one-minute buckets for twenty streams (about 2.3 MB) fits the default.
///
/// Merging adds counts bucket by bucket, after bringing both sides to the longer bucket.
public struct ActivityTimeline<Stream: Hashable & Sendable>: Sendable {
    public static var bucketsPerBlock: Int { 64 }
    public private(set) var bucketMillis: Int64
    public let maximumBlocks: Int
    private var blocks: [BlockKey: [UInt32]] = [:]
    /// The blocks records went to most recently, held outside the dictionary so that counting
    /// into them needs no hashing: a file's records are a few streams' (hosts), in time order.
    private var actives: [(key: BlockKey, counts: [UInt32])] = []
    static var activeLimit: Int { 8 }

    struct BlockKey: Hashable, Sendable {
        var stream: Stream
        /// Index of the block: its first bucket is `block * bucketsPerBlock`.
        var block: Int64
    }

    public init(bucketMillis: Int64 = 60_000, maximumBlocks: Int = 16_384) {
        self.bucketMillis = bucketMillis
        self.maximumBlocks = maximumBlocks
    }

    /// Counts one record of `stream` at `millis`.
    @inline(__always)
    public mutating func add(_ stream: Stream, at millis: Int64) {
        var key = blockKey(stream, millis)
        let bucket = ChunkAggregator.floor(millis, to: bucketMillis) / bucketMillis
        for index in actives.indices where actives[index].key == key {
            actives[index].counts[Int(bucket - key.block * Int64(Self.bucketsPerBlock))] &+= 1
            return
        }
        if actives.count >= Self.activeLimit {
            let oldest = actives.removeFirst()
            blocks[oldest.key] = oldest.counts
        }
        if blocks[key] == nil && blocks.count + actives.count + 1 > maximumBlocks {
            coarsen()
            key = blockKey(stream, millis)
        }
        var counts = blocks.removeValue(forKey: key) ?? [UInt32](repeating: 0, count: Self.bucketsPerBlock)
        // The bucket again: coarsening may have made buckets longer.
        let coarseBucket = ChunkAggregator.floor(millis, to: bucketMillis) / bucketMillis
        counts[Int(coarseBucket - key.block * Int64(Self.bucketsPerBlock))] &+= 1
        actives.append((key, counts))
    }

    @inline(__always)
    private func blockKey(_ stream: Stream, _ millis: Int64) -> BlockKey {
        let bucket = ChunkAggregator.floor(millis, to: bucketMillis) / bucketMillis
        return BlockKey(
            stream: stream,
            block: ChunkAggregator.floor(bucket, to: Int64(Self.bucketsPerBlock)) / Int64(Self.bucketsPerBlock))
    }

    /// Puts the active blocks back into the table.
    private mutating func park() {
        for active in actives { blocks[active.key] = active.counts }
        actives.removeAll()
    }

    /// Every block, the active ones included, for the readers.
    private var storedBlocks: [BlockKey: [UInt32]] {
        guard !actives.isEmpty else { return blocks }
        var all = blocks
        for active in actives { all[active.key] = active.counts }
        return all
    }

    /// Doubles the bucket length until the blocks fit `maximumBlocks` again.
    private mutating func coarsen() {
        park()
        while blocks.count > maximumBlocks / 2 && blocks.count > 1 {
            rebucket(to: bucketMillis * 2)
        }
    }

    private mutating func rebucket(to length: Int64) {
        park()
        let perBlock = Int64(Self.bucketsPerBlock)
        let factor = length / bucketMillis
        var coarser: [BlockKey: [UInt32]] = [:]
        for (key, counts) in blocks {
            for (slot, count) in counts.enumerated() where count > 0 {
                let bucket = (key.block * perBlock + Int64(slot))
                let newBucket = ChunkAggregator.floor(bucket, to: factor) / factor
                let newBlock = ChunkAggregator.floor(newBucket, to: perBlock) / perBlock
                let newKey = BlockKey(stream: key.stream, block: newBlock)
                coarser[newKey, default: [UInt32](repeating: 0, count: Self.bucketsPerBlock)][
                    Int(newBucket - newBlock * perBlock)] &+= count
            }
        }
        blocks = coarser
        bucketMillis = length
    }

    public mutating func merge(_ other: ActivityTimeline<Stream>) {
        var other = other
        park()
        other.park()
        while bucketMillis < other.bucketMillis { rebucket(to: bucketMillis * 2) }
        while other.bucketMillis < bucketMillis { other.rebucket(to: other.bucketMillis * 2) }
        for (key, counts) in other.blocks { Self.add(counts, to: key, in: &blocks) }
        if blocks.count > maximumBlocks { coarsen() }
    }

    /// The same counts under other stream names (names that map to the same stream add up).
    public func mapStreams<Other: Hashable & Sendable>(_ transform: (Stream) -> Other) -> ActivityTimeline<Other> {
        var mapped = ActivityTimeline<Other>(bucketMillis: bucketMillis, maximumBlocks: maximumBlocks)
        for (key, counts) in storedBlocks {
            ActivityTimeline<Other>.add(
                counts, to: .init(stream: transform(key.stream), block: key.block), in: &mapped.blocks)
        }
        return mapped
    }

    /// Adds a block's counts to the block of `key`, in place (a missing block takes them as they are).
    private static func add(_ counts: [UInt32], to key: BlockKey, in blocks: inout [BlockKey: [UInt32]]) {
        // Taken out of the table, the block is uniquely referenced and adds without a copy.
        guard var sum = blocks.removeValue(forKey: key) else {
            blocks[key] = counts
            return
        }
        for index in counts.indices { sum[index] &+= counts[index] }
        blocks[key] = sum
    }

    public var streams: Set<Stream> { Set(storedBlocks.keys.map(\.stream)) }

    /// Counts of `stream` per bucket from bucket `first` through `last` (bucket indexes, i.e.
    /// start / `bucketMillis`), zero where it wrote nothing.
    public func counts(of stream: Stream, from first: Int64, through last: Int64) -> [UInt32] {
        guard last >= first else { return [] }
        var result = [UInt32](repeating: 0, count: Int(last - first + 1))
        let perBlock = Int64(Self.bucketsPerBlock)
        let firstBlock = ChunkAggregator.floor(first, to: perBlock) / perBlock
        let lastBlock = ChunkAggregator.floor(last, to: perBlock) / perBlock
        let blocks = storedBlocks
        for block in firstBlock...lastBlock {
            guard let counts = blocks[BlockKey(stream: stream, block: block)] else { continue }
            for (slot, count) in counts.enumerated() where count > 0 {
                let bucket = block * perBlock + Int64(slot)
                if bucket >= first && bucket <= last { result[Int(bucket - first)] = count }
            }
        }
        return result
    }

    /// Counts of `stream` summed over `count` windows of `bucketsPerWindow` buckets each, the
    /// first starting at bucket `first`; records outside them are left out. It walks the stream's
    /// blocks, so its cost follows what was written, not the time span (a stray stamp years off
    /// allocates nothing).
    public func windowTotals(of stream: Stream, from first: Int64, bucketsPerWindow: Int64, count: Int) -> [Double] {
        var totals = [Double](repeating: 0, count: count)
        let perBlock = Int64(Self.bucketsPerBlock)
        for (key, counts) in storedBlocks where key.stream == stream {
            for (slot, value) in counts.enumerated() where value > 0 {
                let offset = key.block * perBlock + Int64(slot) - first
                guard offset >= 0 else { continue }
                let window = offset / bucketsPerWindow
                if window < Int64(count) { totals[Int(window)] += Double(value) }
            }
        }
        return totals
    }

    /// The buckets from `first` through `last` (bucket indexes) that a reader of every stream's
    /// counts needs, ascending: every bucket of every block some stream wrote in, and of each
    /// stretch where no stream has a block (nobody wrote), only its first and last `kept`
    /// buckets (all of it when it is at most `2 * kept` long).
    ///
    /// So the axis is as long as the time the streams wrote, not as the span their stamps cover:
    /// one record stamped in 2030 (a clock glitch) or in 1970 no longer makes a reader allocate a
    /// count for every minute in between (years of minutes per stream). A silence that covers a
    /// shortened stretch keeps its first and last bucket and at least `2 * kept` buckets of length.
    public func axis(from first: Int64, through last: Int64, keepingEmptyStretchEnds kept: Int64) -> [Int64] {
        guard last >= first else { return [] }
        let perBlock = Int64(Self.bucketsPerBlock)
        let written = Set(storedBlocks.keys.map(\.block)).sorted()
        var axis: [Int64] = []
        var next = first  // the first bucket not on the axis yet, nor skipped
        func appendStretch(through end: Int64) {
            // Buckets `next...end` where no stream has a block.
            guard end >= next else { return }
            if (end - next + 2) / 2 <= kept {  // at most 2 * kept long (written so as not to overflow)
                axis += Array(next...end)
            } else {
                axis += Array(next..<(next + kept))
                axis += Array((end - kept + 1)...end)
            }
        }
        for block in written {
            let low = max(block * perBlock, first)
            let high = min(block * perBlock + perBlock - 1, last)
            guard low <= high else { continue }
            appendStretch(through: low - 1)
            axis += Array(low...high)
            next = high + 1
        }
        appendStretch(through: last)
        return axis
    }

    /// Counts of `stream` at each bucket of `axis` (ascending bucket indexes), zero where it
    /// wrote nothing.
    public func counts(of stream: Stream, at axis: [Int64]) -> [UInt32] {
        var result = [UInt32](repeating: 0, count: axis.count)
        let perBlock = Int64(Self.bucketsPerBlock)
        let blocks = storedBlocks
        var currentBlock = Int64.min
        var counts: [UInt32]?
        for (position, bucket) in axis.enumerated() {
            let block = ChunkAggregator.floor(bucket, to: perBlock) / perBlock
            if block != currentBlock {
                currentBlock = block
                counts = blocks[BlockKey(stream: stream, block: block)]
            }
            if let counts { result[position] = counts[Int(bucket - block * perBlock)] }
        }
        return result
    }

    /// First and last bucket index in which `stream` wrote anything.
    public func activeRange(of stream: Stream) -> ClosedRange<Int64>? {
        let perBlock = Int64(Self.bucketsPerBlock)
        var first = Int64.max
        var last = Int64.min
        for (key, counts) in storedBlocks where key.stream == stream {
            for (slot, count) in counts.enumerated() where count > 0 {
                let bucket = key.block * perBlock + Int64(slot)
                first = min(first, bucket)
                last = max(last, bucket)
            }
        }
        return first <= last ? first...last : nil
    }

    /// Approximate bytes held.
    public var footprint: Int { (blocks.count + actives.count) * (Self.bucketsPerBlock * 4 + 64) }
}

extension ActivityTimeline: StateCodable where Stream: StateCodable {
    /// The most blocks a state may ask for: a damaged number must not allocate gigabytes.
    static var storableBlockLimit: Int { 1 << 24 }

    public func encode(to writer: inout StateWriter) {
        writer.write(bucketMillis)
        writer.write(maximumBlocks)
        let all = storedBlocks
        writer.write(all.count)
        for (key, counts) in all {
            writer.write(key.stream)
            writer.write(key.block)
            for count in counts { writer.write(count) }
        }
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        let bucketMillis = try reader.readDuration()
        let maximumBlocks = try reader.readCount()
        try reader.check(bucketMillis > 0, "an activity bucket of \(bucketMillis) ms")
        try reader.check((1...Self.storableBlockLimit).contains(maximumBlocks), "an activity limit of \(maximumBlocks)")
        self.init(bucketMillis: bucketMillis, maximumBlocks: maximumBlocks)
        let count = try reader.readLength(minimumElementBytes: Self.bucketsPerBlock)
        for _ in 0..<count {
            let key = BlockKey(stream: try reader.read(), block: try reader.readInt64())
            try reader.check(
                abs(key.block) <= StateReader.millisLimit / bucketMillis / Int64(Self.bucketsPerBlock),
                "an activity block \(key.block) beyond any log's time")
            var counts = [UInt32](repeating: 0, count: Self.bucketsPerBlock)
            for slot in counts.indices { counts[slot] = try reader.readUInt32() }
            try reader.check(blocks.updateValue(counts, forKey: key) == nil, "an activity block written twice")
        }
    }
}
