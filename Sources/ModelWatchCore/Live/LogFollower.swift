#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a followed file was read up to: what a checkpoint keeps so a restart resumes exactly
/// there (whole lines only, so no line is lost or read twice).
public struct FollowPosition: Sendable, Codable, Equatable {
    /// The name the file was followed under.
    public var path: String
    public var identity: FileIdentity
    /// Decoded byte offset one past the last whole line handed on.
    public var offset: Int64
    /// The source index (in the run's source list) its records are counted under.
    public var sourceIndex: Int

    public init(path: String, identity: FileIdentity, offset: Int64, sourceIndex: Int) {
        self.path = path
        self.identity = identity
        self.offset = offset
        self.sourceIndex = sourceIndex
    }
}

/// Follows files and directories as `tail -F` does, and standard input, handing on whole
/// lines as line chunks (`LineChunk`) of numbered sources.
///
/// - A followed name is checked on every scan: a different inode behind the name (logrotate's
///   `create`: renamed away, then recreated) retires the old file (read to its end for a grace
///   period, since writers keep it open until told to reopen) and reads the new one from its
///   start as a new source; a size below what was read (`copytruncate`) restarts the name from
///   offset 0 as a new source; a name that disappears (deleted or renamed while open) retires
///   its file the same way.
/// - Every scan walks the followed directories; a file not seen before is read from its start
///   (a new day's log). A file whose identity (device, inode, first bytes) was already read is a
///   rename of it (`access.log.1`) and is not read again; a gzip file appearing is a rotated
///   copy of what was read and is skipped. At start-up, files start at their end unless
///   `fromStart`; then gzip files already there are read once, whole.
/// - Only whole lines are handed on: a line the writer is still writing waits for its newline
///   (a retired file's last line and standard input's at end of file are whole: no one is
///   writing them any more).
///
/// Not thread-safe: one `live` loop owns it.
public final class LogFollower {
    public struct Configuration: Sendable {
        public var fromStart = false
        public var chunkSize = 1 << 20
        public var lineCap = 1 << 20
        /// Wall time a retired file (renamed away, deleted, replaced) is still read after its
        /// last new bytes. Five seconds: a writer told to reopen its log (logrotate's
        /// `postrotate` signal) does so within a second or two.
        public var retireGraceMillis: Int64 = 5_000
        /// How often followed names are checked and directories walked. A second, as `tail -F`.
        public var scanIntervalMillis: Int64 = 1_000
        /// Bytes read from one file per poll, so one busy file cannot starve the others.
        public var readBudgetPerPoll = 8 << 20

        public init() {}
    }

    /// One open file, followed under `path`.
    final class FollowedFile {
        let path: String
        let sourceIndex: Int
        let descriptor: Int32
        var identity: FileIdentity
        var framer: LineFramer
        var kind: LogFormat?
        /// Drop bytes up to the first newline (started at the end of a file, mid-line).
        var discardUntilNewline = false
        var lastDataWallMillis: Int64

        init(path: String, sourceIndex: Int, descriptor: Int32, identity: FileIdentity, framer: LineFramer, now: Int64)
        {
            self.path = path
            self.sourceIndex = sourceIndex
            self.descriptor = descriptor
            self.identity = identity
            self.framer = framer
            lastDataWallMillis = now
        }

        deinit { close(descriptor) }
    }

    public let configuration: Configuration
    /// The names given: files and directories (standard input is `followsStandardInput`).
    public let roots: [String]
    public let followsStandardInput: Bool
    /// The run's sources, by index: a followed name gets a new index each time a new file
    /// appears behind it.
    public private(set) var sourcePaths: [String]
    /// Things a person should know (a gzip copy skipped, a file that could not be resumed).
    public private(set) var notes: [String] = []

    private var current: [String: FollowedFile] = [:]
    private var retiring: [FollowedFile] = []
    /// Files already read or deliberately skipped, by device and inode.
    private var known: [DeviceInode: FileIdentity] = [:]
    /// Hashes of the first `FileIdentity.prefixCap` bytes of files read: a copy is recognised by them.
    private var knownPrefixes = Set<UInt64>()
    private var standardInput: StandardInputStream?
    private var lastScanWallMillis: Int64 = .min
    private var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    /// Gzip files to read once at start-up (`fromStart`), with their source index.
    private var pendingArchives: [(InputSource, Int)] = []
    /// Sources that are archives read whole at start-up (their accounting comes from the reader).
    public private(set) var archiveSourceIndices = Set<Int>()
    private var archiveOutcomes: [(sourceIndex: Int, outcome: SourceReader.Outcome)] = []

    struct DeviceInode: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// - Parameters:
    ///   - roots: files and directories to follow, and `-` for standard input.
    ///   - sourcePaths: the sources of a resumed run (from its checkpoint), so indices continue.
    ///   - resume: where a resumed run stopped in each followed file.
    ///   - finished: the files a resumed run had read to their end or skipped (never read again).
    public init(
        roots: [String], configuration: Configuration, sourcePaths: [String] = [], resume: [FollowPosition] = [],
        finished: [FileIdentity] = [], wallMillis: Int64
    ) {
        self.configuration = configuration
        self.roots = roots.filter { $0 != "-" }
        followsStandardInput = roots.contains("-")
        self.sourcePaths = sourcePaths
        if followsStandardInput {
            let index = sourcePaths.firstIndex(of: "-") ?? registerSource("-")
            standardInput = StandardInputStream(
                sourceIndex: index,
                framer: LineFramer(
                    sourceIndex: index, chunkSize: configuration.chunkSize, lineCap: configuration.lineCap))
        }
        for identity in finished {
            known[DeviceInode(device: identity.device, inode: identity.inode)] = identity
            if identity.prefixLength == FileIdentity.prefixCap { knownPrefixes.insert(identity.prefixHash) }
        }
        for position in resume { resumeFile(position, now: wallMillis) }
        scan(wallMillis: wallMillis, initial: resume.isEmpty)
    }

    private func registerSource(_ path: String) -> Int {
        sourcePaths.append(path)
        return sourcePaths.count - 1
    }

    /// Whether standard input reached its end (the run then ends, as SPEC.md says).
    public var standardInputEnded: Bool { standardInput?.ended ?? false }

    /// Sleeps until standard input has bytes or `timeoutMillis` pass (files cannot be waited
    /// on portably: they are polled, as `tail -F` does).
    public func waitForInput(timeoutMillis: Int32) {
        if let input = standardInput, !input.ended {
            _ = FileCalls.waitReadable(0, timeoutMillis: timeoutMillis)
        } else {
            usleep(useconds_t(timeoutMillis) * 1000)
        }
    }

    /// Files open now (followed or retiring).
    public var openFileCount: Int { current.count + retiring.count }

    /// Reads what is available from every input, hands on whole lines, and (when due) checks
    /// names and walks directories. Returns the bytes read.
    @discardableResult
    public func poll(wallMillis: Int64, emit: (inout LineChunk, LogFormat) -> Void) -> Int {
        var total = 0
        if !pendingArchives.isEmpty {
            let archives = pendingArchives
            pendingArchives = []
            for (source, index) in archives { total += readArchive(source, index: index, emit: emit) }
        }
        if var input = standardInput {
            total += input.read(into: &buffer, budget: configuration.readBudgetPerPoll, emit: emit)
            standardInput = input
        }
        for path in current.keys.sorted() {
            total += drain(current[path]!, now: wallMillis, emit: emit)
        }
        for file in retiring { total += drain(file, now: wallMillis, emit: emit) }
        if wallMillis - lastScanWallMillis >= configuration.scanIntervalMillis {
            checkNames(wallMillis: wallMillis, emit: emit)
            scan(wallMillis: wallMillis, initial: false)
            retireIdle(wallMillis: wallMillis, emit: emit)
        }
        return total
    }

    /// Where each open file was read up to (whole lines), for the checkpoint. Retiring files
    /// are included under their old name, so a restart finishes them from their identity.
    public var positions: [FollowPosition] {
        (current.values.sorted { $0.path < $1.path } + retiring).map {
            FollowPosition(
                path: $0.path, identity: $0.identity, offset: $0.framer.consumedOffset, sourceIndex: $0.sourceIndex)
        }
    }

    /// Every file read or skipped so far (the checkpoint keeps them, so a restart reads none again).
    public var knownIdentities: [FileIdentity] {
        known.values.sorted { ($0.device, $0.inode) < ($1.device, $1.inode) }
    }

    /// Bytes of unfinished lines held back across all inputs (not parsed: a restart from the
    /// checkpoint reads them whole; without one they are reported as not read).
    public var unfinishedLineBytes: [(path: String, bytes: Int)] {
        var out = (current.values.sorted { $0.path < $1.path } + retiring).compactMap { file in
            file.framer.pendingByteCount > 0 ? (file.path, file.framer.pendingByteCount) : nil
        }
        if let input = standardInput, !input.ended, input.framer.pendingByteCount > 0 {
            out.append(("-", input.framer.pendingByteCount))
        }
        return out
    }

    // MARK: reading

    private func drain(_ file: FollowedFile, now: Int64, emit: (inout LineChunk, LogFormat) -> Void) -> Int {
        var total = 0
        while total < configuration.readBudgetPerPoll {
            let count = buffer.withUnsafeMutableBytes { FileCalls.read(file.descriptor, into: $0) }
            if count <= 0 { break }
            total += count
            buffer.withUnsafeBytes { raw in
                var block = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                if file.discardUntilNewline {
                    guard let newline = LineFramer.firstNewline(in: block) else {
                        file.framer.skip(block.count)
                        return
                    }
                    file.framer.skip(newline + 1)
                    block = UnsafeRawBufferPointer(rebasing: block[(newline + 1)...])
                    file.discardUntilNewline = false
                }
                file.framer.append(block) { chunk in forward(chunk, of: file, emit: emit) }
            }
        }
        if total > 0 {
            file.lastDataWallMillis = now
            file.framer.emitWholeLines { chunk in forward(chunk, of: file, emit: emit) }
            if file.identity.prefixLength < FileIdentity.prefixCap,
                let identity = FileCalls.identity(of: file.descriptor)
            {
                file.identity = identity
                known[DeviceInode(device: identity.device, inode: identity.inode)] = identity
                if identity.prefixLength == FileIdentity.prefixCap { knownPrefixes.insert(identity.prefixHash) }
            }
        }
        return total
    }

    private func forward(
        _ chunk: consuming LineChunk, of file: FollowedFile, emit: (inout LineChunk, LogFormat) -> Void
    ) {
        var chunk = chunk
        if file.kind == nil {
            let detected = LogFormatDetector.detect(chunk.bytes)
            if let detected { file.kind = detected }
        }
        emit(&chunk, file.kind ?? .combined)
    }

    /// Reads a gzip file found at start-up with `fromStart` once, whole, through the batch reader.
    private func readArchive(_ source: InputSource, index: Int, emit: (inout LineChunk, LogFormat) -> Void) -> Int {
        let reader = SourceReader(chunkSize: configuration.chunkSize, lineCap: configuration.lineCap)
        var read = 0
        let outcome = reader.read(source, index: index, progress: { read += $0 }, emit: emit)
        archiveOutcomes.append((index, outcome))
        return read
    }

    /// What the batch reader learned of each archive read at start-up (gzip ending, damage,
    /// dropped lines), taken by the loop for the source accounting.
    public func takeArchiveOutcomes() -> [(sourceIndex: Int, outcome: SourceReader.Outcome)] {
        defer { archiveOutcomes = [] }
        return archiveOutcomes
    }

    // MARK: names and directories

    /// Checks every followed name for rotation, truncation and removal.
    private func checkNames(wallMillis: Int64, emit: (inout LineChunk, LogFormat) -> Void) {
        lastScanWallMillis = wallMillis
        for path in current.keys.sorted() {
            let file = current[path]!
            guard let status = FileCalls.status(path: path) else {
                // Deleted or renamed away while open: read what is left, then let it go.
                retire(file, now: wallMillis)
                continue
            }
            if status.device != file.identity.device || status.inode != file.identity.inode {
                // Rotated (renamed, then recreated): finish the old file, read the new one whole.
                _ = drain(file, now: wallMillis, emit: emit)
                retire(file, now: wallMillis)
                follow(path, fromEnd: false, now: wallMillis)
            } else if let open = FileCalls.status(descriptor: file.descriptor), open.size < file.framer.endOffset {
                // Truncated in place (copytruncate): the copy holds what was read; start over.
                if file.framer.pendingByteCount > 0 {
                    notes.append(
                        "\(path) was truncated while its last line was unfinished; \(file.framer.pendingByteCount) bytes of it were not read"
                    )
                }
                current[path] = nil
                follow(path, fromEnd: false, now: wallMillis, isRestart: true)
            }
        }
    }

    private func retire(_ file: FollowedFile, now: Int64) {
        current[file.path] = nil
        file.lastDataWallMillis = max(file.lastDataWallMillis, now)
        retiring.append(file)
    }

    /// Finishes retired files that gave nothing for the grace period: their last line is whole.
    private func retireIdle(wallMillis: Int64, emit: (inout LineChunk, LogFormat) -> Void) {
        retiring.removeAll { file in
            guard wallMillis - file.lastDataWallMillis >= configuration.retireGraceMillis else { return false }
            file.framer.finish { chunk in forward(chunk, of: file, emit: emit) }
            return true
        }
    }

    /// Walks the followed names for files not followed yet.
    private func scan(wallMillis: Int64, initial: Bool) {
        lastScanWallMillis = wallMillis
        for root in roots {
            var isDirectory = false
            if let status = FileCalls.status(path: root) { isDirectory = !status.isRegular }
            let paths: [String]
            if isDirectory {
                paths = ((try? InputDiscovery.expand([root])) ?? []).map(\.path)
            } else {
                paths = [root]
            }
            for path in paths where current[path] == nil {
                follow(path, fromEnd: initial && !configuration.fromStart, now: wallMillis, initial: initial)
            }
        }
    }

    /// Starts following `path` unless it is a file already read (a rename) or a gzip copy.
    ///
    /// `isRestart`: the name's file was truncated in place: the same inode starts over.
    private func follow(_ path: String, fromEnd: Bool, now: Int64, initial: Bool = false, isRestart: Bool = false) {
        let descriptor = FileCalls.openForReading(path)
        guard descriptor >= 0 else { return }
        guard let status = FileCalls.status(descriptor: descriptor), status.isRegular,
            let identity = FileCalls.identity(of: descriptor)
        else {
            close(descriptor)
            return
        }
        let key = DeviceInode(device: identity.device, inode: identity.inode)
        if !isRestart, let seen = known[key], seen.matches(identity, descriptor: descriptor) {
            close(descriptor)  // a rename of a file already read (or skipped)
            return
        }
        if !isRestart, identity.prefixLength == FileIdentity.prefixCap, knownPrefixes.contains(identity.prefixHash) {
            // A new inode that starts with the same kilobyte as a file already read: the copy
            // `copytruncate` (or `cp`) made of it.
            known[key] = identity
            close(descriptor)
            notes.append("\(path) starts as a file already read does: a rotated copy, not read again")
            return
        }
        var magic: [UInt8] = [0, 0]
        let magicCount = magic.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 2, 0) }
        if magicCount == 2 && magic == [0x1f, 0x8b] {
            known[key] = identity
            close(descriptor)
            if initial && configuration.fromStart {
                let index = registerSource(path)
                archiveSourceIndices.insert(index)
                pendingArchives.append((InputSource(path: path, size: status.size), index))
            } else {
                notes.append("\(path) is a gzip file that appeared while following: a rotated copy, not read again")
            }
            return
        }
        known[key] = identity
        if identity.prefixLength == FileIdentity.prefixCap { knownPrefixes.insert(identity.prefixHash) }
        var start: Int64 = 0
        if fromEnd {
            start = status.size
            guard FileCalls.seek(descriptor, to: start) else {
                close(descriptor)
                return
            }
        }
        let index = registerSource(path)
        let file = FollowedFile(
            path: path, sourceIndex: index, descriptor: descriptor, identity: identity,
            framer: LineFramer(
                sourceIndex: index, chunkSize: configuration.chunkSize, lineCap: configuration.lineCap,
                startOffset: start),
            now: now)
        file.discardUntilNewline = fromEnd && start > 0 && !Self.endsWithNewline(descriptor, size: start)
        current[path] = file
    }

    /// Resumes a file of a checkpoint: under its name if the same file is still there, else
    /// wherever it was renamed to in the followed directories (then it is retired: read to its
    /// end, and the new file under the name is read whole by the next scan).
    private func resumeFile(_ position: FollowPosition, now: Int64) {
        var candidates = [position.path]
        for root in roots {
            candidates += ((try? InputDiscovery.expand([root])) ?? []).map(\.path).filter { $0 != position.path }
        }
        for path in candidates {
            let descriptor = FileCalls.openForReading(path)
            guard descriptor >= 0 else { continue }
            guard let identity = FileCalls.identity(of: descriptor),
                position.identity.matches(identity, descriptor: descriptor),
                FileCalls.seek(descriptor, to: position.offset)
            else {
                close(descriptor)
                continue
            }
            known[DeviceInode(device: identity.device, inode: identity.inode)] = identity
            if identity.prefixLength == FileIdentity.prefixCap { knownPrefixes.insert(identity.prefixHash) }
            let file = FollowedFile(
                path: position.path, sourceIndex: position.sourceIndex, descriptor: descriptor, identity: identity,
                framer: LineFramer(
                    sourceIndex: position.sourceIndex, chunkSize: configuration.chunkSize,
                    lineCap: configuration.lineCap, startOffset: position.offset),
                now: now)
            if path == position.path && current[path] == nil {
                current[path] = file
            } else {
                retiring.append(file)
            }
            return
        }
        notes.append(
            "\(position.path) changed while modelwatch was stopped and the file read before is gone; what was written to it after byte \(position.offset) was not read"
        )
    }

    static func endsWithNewline(_ descriptor: Int32, size: Int64) -> Bool {
        var byte: UInt8 = 0
        let count = withUnsafeMutableBytes(of: &byte) { pread(descriptor, $0.baseAddress, 1, off_t(size - 1)) }
        return count == 1 && byte == 0x0A
    }
}

@available(*, unavailable)
extension LogFollower: Sendable {}

/// Standard input, read without blocking the loop: `poll` says whether bytes are waiting, so
/// the loop can also follow files and close windows while the pipe is quiet.
struct StandardInputStream {
    let sourceIndex: Int
    var framer: LineFramer
    private(set) var ended = false
    var kind: LogFormat?

    init(sourceIndex: Int, framer: LineFramer) {
        self.sourceIndex = sourceIndex
        self.framer = framer
    }

    mutating func read(into buffer: inout [UInt8], budget: Int, emit: (inout LineChunk, LogFormat) -> Void) -> Int {
        guard !ended else { return 0 }
        var total = 0
        var kind = self.kind
        func forward(_ chunk: consuming LineChunk) {
            var chunk = chunk
            if kind == nil {
                let detected = LogFormatDetector.detect(chunk.bytes)
                if let detected { kind = detected }
            }
            emit(&chunk, kind ?? .combined)
        }
        defer { self.kind = kind }
        while total < budget {
            guard FileCalls.waitReadable(0, timeoutMillis: 0) else { break }
            let count = buffer.withUnsafeMutableBytes { FileCalls.read(0, into: $0) }
            if count <= 0 {
                ended = true
                framer.finish { forward($0) }
                return total
            }
            total += count
            buffer.withUnsafeBytes { raw in
                framer.append(UnsafeRawBufferPointer(rebasing: raw[0..<count])) { forward($0) }
            }
        }
        if total > 0 { framer.emitWholeLines { forward($0) } }
        return total
    }
}
