#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads one input from start to end: detects gzip from the first bytes, decodes every member,
/// frames the bytes into line chunks and detects the log kind from the first line.
///
/// A file that cannot be opened, a truncated or corrupt archive, or junk after the last member
/// ends the read of that file only; what was decoded before the fault is still framed and
/// analysed, and the statistics say where the fault was and how many compressed bytes were lost.
public struct SourceReader: Sendable {
    public var readBlockSize = 256 * 1024
    public var chunkSize = 1 << 20
    public var lineCap = 1 << 20

    public init(chunkSize: Int = 1 << 20, lineCap: Int = 1 << 20) {
        self.chunkSize = chunkSize
        self.lineCap = lineCap
    }

    /// The result of reading a source: reader-side statistics and the framer's dropped lines.
    public struct Outcome {
        public var statistics: SourceStatistics
        public var droppedLines: Int
        public var firstDroppedOffset: Int64?
    }

    /// Reads `source`, calling `emit` with each line chunk and the source's detected kind, and
    /// `progress` with the number of raw bytes read since the last call.
    public func read(
        _ source: InputSource, index: Int,
        progress: (Int) -> Void = { _ in },
        emit: (inout LineChunk, LogKind) -> Void
    ) -> Outcome {
        var statistics = SourceStatistics(path: source.name)
        var framer = LineFramer(sourceIndex: index, chunkSize: chunkSize, lineCap: lineCap)
        var kind: LogKind?
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

        var input = [UInt8](repeating: 0, count: readBlockSize)
        var output = [UInt8](repeating: 0, count: readBlockSize)
        var gzip: GzipMemberReader?
        var decidedCompression = false

        func forward(_ chunk: consuming LineChunk) {
            var chunk = chunk
            if kind == nil { kind = LogKindDetector.detect(chunk.bytes) }
            emit(&chunk, kind ?? .unknown)
        }

        func frame(_ block: UnsafeRawBufferPointer) {
            statistics.bytesDecoded += Int64(block.count)
            framer.append(block) { forward($0) }
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
        framer.finish { forward($0) }
        statistics.kind = kind ?? .unknown
        return Outcome(
            statistics: statistics, droppedLines: framer.droppedLineCount,
            firstDroppedOffset: framer.firstDroppedLineOffset)
    }
}

/// Tells an inference JSON-lines source from an access log by its first non-blank line.
public enum LogKindDetector {
    public static func detect(_ bytes: [UInt8]) -> LogKind {
        for byte in bytes.prefix(64 * 1024) {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "{"): return .inference
            default: return .access
            }
        }
        return .unknown
    }
}
