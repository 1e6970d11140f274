#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one input from start to end: detects gzip from the first bytes, decodes every member,
/// frames the bytes into line chunks and detects the log format from the first record.
///
/// A file whose first line is a lone `{` holds one pretty-printed JSON object (LiteLLM's S3
/// logger writes one per request): up to `lineCap` bytes of it are gathered and framed as one
/// line, its line breaks turned into spaces (JSON forbids raw line breaks inside strings, so
/// only whitespace between tokens changes).
///
/// A file that cannot be opened, a truncated or corrupt archive, or junk after the last member
/// ends the read of that file only; what was decoded before the fault is still framed and
/// analysed, and the statistics say where the fault was and how many compressed bytes were lost.
public struct SourceReader: Sendable {
    public var readBlockSize = 256 * 1024
    public var chunkSize = 1 << 20
    public var lineCap = 1 << 20
    /// The format every source is read as (`--input-format NAME`); nil detects each one's.
    public var forcedFormat: LogFormat?

    public init(chunkSize: Int = 1 << 20, lineCap: Int = 1 << 20, forcedFormat: LogFormat? = nil) {
        self.chunkSize = chunkSize
        self.lineCap = lineCap
        self.forcedFormat = forcedFormat
    }

    /// The result of reading a source: reader-side statistics and the framer's dropped lines.
    public struct Outcome {
        public var statistics: SourceStatistics
        public var droppedLines: Int
        public var firstDroppedOffset: Int64?
    }

    /// Reads `source`, calling `emit` with each line chunk and the source's format, and
    /// `progress` with the number of raw bytes read since the last call.
    public func read(
        _ source: InputSource, index: Int,
        progress: (Int) -> Void = { _ in },
        emit: (inout LineChunk, LogFormat) -> Void
    ) -> Outcome {
        var statistics = SourceStatistics(path: source.name)
        var framer = LineFramer(sourceIndex: index, chunkSize: chunkSize, lineCap: lineCap)
        var format: LogFormat? = forcedFormat
        /// Set while gathering a pretty-printed document; nil for line-oriented input.
        var document: [UInt8]?
        var decidedLayout = false
        let descriptor: Int32 = source.isStandardInput ? 0 : open(source.path, O_RDONLY)
        guard descriptor >= 0 else {
            statistics.readError = "cannot open \(source.name): \(String(cString: strerror(errno)))"
            return Outcome(statistics: statistics, droppedLines: 0, firstDroppedOffset: nil)
        }
        defer { if !source.isStandardInput { close(descriptor) } }
        if source.startOffset > 0 && lseek(descriptor, off_t(source.startOffset), SEEK_SET) < 0 {
            statistics.readError =
                "cannot seek to byte \(source.startOffset) of \(source.path): \(String(cString: strerror(errno)))"
            return Outcome(statistics: statistics, droppedLines: 0, firstDroppedOffset: nil)
        }

        // A small file needs no full-size read buffer (a directory of many small files).
        let inputSize = source.size.map { max(4096, min(readBlockSize, Int($0) + 1)) } ?? readBlockSize
        var input = [UInt8](repeating: 0, count: inputSize)
        var output = [UInt8](repeating: 0, count: readBlockSize)
        var gzip: GzipMemberReader?
        var decidedCompression = false

        func forward(_ chunk: consuming LineChunk) {
            var chunk = chunk
            if format == nil { format = LogFormatDetector.detect(chunk.bytes) }
            emit(&chunk, format ?? .combined)
        }

        /// Bytes held until the first record's first line is complete, to tell JSON lines from
        /// a pretty-printed document however small the read blocks are.
        var layoutProbe: [UInt8] = []

        func route(_ block: UnsafeRawBufferPointer) {
            if document != nil {
                // Gathered up to the cap; past it the framer sees the rest and rejects the
                // over-long line as it would any other.
                if document!.count + block.count <= lineCap + 2 {
                    document!.append(contentsOf: block)
                    return
                }
                let gathered = document!
                document = nil
                gathered.withUnsafeBytes { framer.append($0) { forward($0) } }
            }
            framer.append(block) { forward($0) }
        }

        func decideLayout(final: Bool) {
            guard final || Self.firstLineIsComplete(layoutProbe) else { return }
            decidedLayout = true
            if Self.startsPrettyPrintedObject(layoutProbe) { document = [] }
            let probe = layoutProbe
            layoutProbe = []
            probe.withUnsafeBytes { route($0) }
        }

        func frame(_ block: UnsafeRawBufferPointer) {
            statistics.bytesDecoded += Int64(block.count)
            if decidedLayout {
                route(block)
            } else {
                layoutProbe.append(contentsOf: block)
                decideLayout(final: false)
            }
        }

        reading: while true {
            let count = input.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                statistics.readError =
                    "read error in \(source.name) at byte \(statistics.bytesRead): \(String(cString: strerror(errno)))"
                break
            }
            if count == 0 { break }
            statistics.bytesRead += Int64(count)
            progress(count)
            input.withUnsafeBytes { raw in
                let block = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                if !decidedCompression {
                    decidedCompression = true
                    if block.count >= 2 && block[0] == 0x1f && block[1] == 0x8b, let reader = try? GzipMemberReader() {
                        gzip = reader
                        statistics.compression = .gzip
                    }
                }
                if let gzip {
                    output.withUnsafeMutableBytes { out in gzip.decode(block, output: out) { frame($0) } }
                } else {
                    frame(block)
                }
            }
            if let gzip, gzip.ending != nil, !source.isStandardInput {
                // Nothing after a fault can be decoded: count the rest of the file as lost
                // without reading it.
                if let size = source.size { statistics.bytesRead = max(statistics.bytesRead, size) }
                break reading
            }
        }
        if let gzip {
            let ending = gzip.finish()
            statistics.gzipEnding = ending
            statistics.gzipMembers = gzip.memberCount
            let decodedUpTo = Int64(gzip.compressedOffset)
            if ending != .complete {
                statistics.damageOffset = decodedUpTo
                statistics.lostCompressedBytes = max(0, statistics.bytesRead - decodedUpTo)
            }
        }
        if !decidedLayout { decideLayout(final: true) }
        if var gathered = document {
            for index in gathered.indices where gathered[index] == 0x0A || gathered[index] == 0x0D {
                gathered[index] = 0x20
            }
            gathered.append(0x0A)
            gathered.withUnsafeBytes { framer.append($0) { forward($0) } }
        }
        framer.finish { forward($0) }
        statistics.format = format
        statistics.kind = format?.kind ?? .unknown
        return Outcome(
            statistics: statistics, droppedLines: framer.droppedLineCount,
            firstDroppedOffset: framer.firstDroppedLineOffset)
    }
}

extension SourceReader {
    /// True once `bytes` hold a newline after their first non-blank byte, or as much as
    /// detection ever looks at.
    static func firstLineIsComplete(_ bytes: [UInt8]) -> Bool {
        if bytes.count >= LogFormatDetector.detectionWindow { return true }
        guard let first = bytes.firstIndex(where: { !LogFormatDetector.isSpace($0) }) else { return false }
        return bytes[first...].contains(0x0A)
    }

    /// True when the first line of `block` (after blank lines) is a lone `{`: the start of a
    /// pretty-printed JSON document rather than JSON lines.
    static func startsPrettyPrintedObject(_ block: [UInt8]) -> Bool {
        var index = 0
        while index < block.count, LogFormatDetector.isSpace(block[index]) { index += 1 }
        guard index < block.count, block[index] == UInt8(ascii: "{") else { return false }
        index += 1
        while index < block.count, block[index] == 0x20 || block[index] == 0x09 || block[index] == 0x0D { index += 1 }
        return index < block.count && block[index] == 0x0A
    }
}
