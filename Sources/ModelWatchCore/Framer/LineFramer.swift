#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A run of whole lines cut from one source's decoded bytes, ready for a parser worker.
///
/// The bytes end at a newline (or at the end of the source), so a worker can split them with
/// `memchr` without looking at any other chunk. `startOffset` is the decoded byte offset of the
/// first byte within its source, so errors can name an absolute offset.
public struct LineChunk: Sendable {
    public var sourceIndex: Int
    public var sequence: Int
    public var startOffset: Int64
    public var bytes: [UInt8]

    public init(sourceIndex: Int, sequence: Int, startOffset: Int64, bytes: [UInt8]) {
        self.sourceIndex = sourceIndex
        self.sequence = sequence
        self.startOffset = startOffset
        self.bytes = bytes
    }
}

/// Cuts decoded byte blocks into line-aligned chunks, carrying the partial last line across block
/// boundaries and dropping lines longer than a cap instead of buffering them without limit.
///
/// The search for the last newline looks only at bytes appended since the previous search, so a
/// long partial line is never rescanned (the habit of swift-nio's `NIOSplitLinesMessageDecoder`).
/// Dropped lines are reported through `droppedLines` with their absolute byte offset.
///
/// - Complexity: O(n) over the input; memory is at most `chunkSize + lineCap + block size`.
public struct LineFramer {
    /// Lines longer than this many bytes (newline excluded) are dropped and counted.
    public let lineCap: Int
    /// A chunk is cut once this many bytes are buffered.
    public let chunkSize: Int
    private let sourceIndex: Int
    private var pending: [UInt8] = []
    /// Index one past the last newline in `pending`, or 0 when there is none.
    private var wholeLinesEnd = 0
    /// Decoded offset of `pending[0]`.
    private var pendingOffset: Int64 = 0
    private var sequence = 0
    /// True while discarding the rest of an over-long line up to its newline.
    private var skippingOverlongLine = false
    /// Offsets of the over-long lines dropped so far (the first few only) and their count.
    public private(set) var droppedLineCount = 0
    public private(set) var firstDroppedLineOffset: Int64?
    /// Bytes handed to the framer so far.
    public private(set) var bytesFramed: Int64 = 0

    /// - Parameter startOffset: the decoded offset of the first byte appended (a follower that
    ///   resumes a file in the middle gives where it resumed, so offsets stay absolute).
    public init(sourceIndex: Int, chunkSize: Int = 1 << 20, lineCap: Int = 1 << 20, startOffset: Int64 = 0) {
        self.sourceIndex = sourceIndex
        pendingOffset = startOffset
        self.chunkSize = max(1, chunkSize)
        self.lineCap = max(1, lineCap)
        pending.reserveCapacity(self.reservedCapacity)
    }

    /// Room for a full chunk plus the block that completes it (the reader's blocks are 256 KiB),
    /// so `pending` never grows by reallocating and copying a megabyte.
    private var reservedCapacity: Int { chunkSize + 512 * 1024 }

    /// Appends a block of decoded bytes, calling `emit` for every chunk that is complete.
    public mutating func append(_ block: UnsafeRawBufferPointer, emit: (consuming LineChunk) -> Void) {
        var block = block
        bytesFramed += Int64(block.count)
        if skippingOverlongLine {
            guard let newline = Self.firstNewline(in: block) else {
                pendingOffset += Int64(block.count)
                return
            }
            // Resume after the newline that ends the dropped line.
            pendingOffset += Int64(newline + 1)
            block = UnsafeRawBufferPointer(rebasing: block[(newline + 1)...])
            skippingOverlongLine = false
        }
        let oldCount = pending.count
        pending.append(contentsOf: block)
        if let last = Self.lastNewline(in: pending, from: oldCount) { wholeLinesEnd = last + 1 }
        if pending.count - wholeLinesEnd > lineCap {
            // The line in progress passed the cap: hand on the whole lines before it, then drop
            // it and skip input up to its newline.
            if wholeLinesEnd > 0 { cutChunk(emit: emit) }
            droppedLineCount += 1
            if firstDroppedLineOffset == nil { firstDroppedLineOffset = pendingOffset }
            pendingOffset += Int64(pending.count)
            pending.removeAll(keepingCapacity: true)
            skippingOverlongLine = true
            return
        }
        if wholeLinesEnd >= chunkSize { cutChunk(emit: emit) }
    }

    /// Emits the whole lines buffered so far and keeps the unfinished last line, for a follower
    /// that must hand on what it read without waiting for a full chunk (`live` mode), and never
    /// parse a line the writer is still writing.
    public mutating func emitWholeLines(emit: (consuming LineChunk) -> Void) {
        if wholeLinesEnd > 0 { cutChunk(emit: emit) }
    }

    /// Decoded offset one past the last whole line handed on (or dropped): where a reader that
    /// resumes this source must start so that no line is lost or read twice.
    public var consumedOffset: Int64 { pendingOffset }

    /// Decoded offset one past the last byte appended or skipped.
    public var endOffset: Int64 { pendingOffset + Int64(pending.count) }

    /// Skips `count` bytes that are not to be framed (a follower that starts at the end of a
    /// file drops the tail of the line in progress). Only before anything is buffered.
    public mutating func skip(_ count: Int) {
        precondition(pending.isEmpty, "skip only before bytes are buffered")
        pendingOffset += Int64(count)
    }

    /// Bytes of the unfinished last line held back (0 while skipping an over-long line).
    public var pendingByteCount: Int { pending.count }

    /// Emits whatever is buffered: the last line of a source need not end with a newline.
    public mutating func finish(emit: (consuming LineChunk) -> Void) {
        wholeLinesEnd = pending.count
        if !pending.isEmpty { cutChunk(emit: emit) }
    }

    private mutating func cutChunk(emit: (consuming LineChunk) -> Void) {
        let tail = Array(pending[wholeLinesEnd...])
        pending.removeLast(pending.count - wholeLinesEnd)
        var chunkBytes = tail
        swap(&chunkBytes, &pending)
        pending.reserveCapacity(reservedCapacity)
        let count = chunkBytes.count
        // The chunk takes the only reference to its bytes, so the parser can decode escapes in
        // place without a copy-on-write copy of the whole chunk.
        emit(
            LineChunk(
                sourceIndex: sourceIndex, sequence: sequence, startOffset: pendingOffset, bytes: consume chunkBytes))
        sequence += 1
        pendingOffset += Int64(count)
        wholeLinesEnd = 0
    }

    static func firstNewline(in block: UnsafeRawBufferPointer) -> Int? {
        guard let base = block.baseAddress, block.count > 0 else { return nil }
        guard let hit = memchr(base, 0x0A, block.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    static func lastNewline(in bytes: [UInt8], from start: Int) -> Int? {
        var index = bytes.count - 1
        while index >= start {
            if bytes[index] == 0x0A { return index }
            index -= 1
        }
        return nil
    }
}
