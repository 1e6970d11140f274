#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One output of a command (the events, the summary, a baseline, a report, a state file), written
/// so that it never destroys what was at its path and never reports success it did not have.
///
/// What happens depends on what is at the path when the output is opened:
/// - `-`: standard output, written in place. A reader that went away (`| head`) is
///   ``OutputError/isClosedStandardOutput``, which callers treat as the end of that output, not
///   as a failure (SIGPIPE must be ignored for the `write` to return EPIPE: see
///   ``ignoreBrokenPipeSignal()``).
/// - something that is not a regular file (a character device such as `/dev/null` or
///   `/dev/full`, a FIFO, a terminal, a socket): opened and written in place, never replaced.
///   `rename` over such a path as root would replace `/dev/null` with a regular file.
/// - a symbolic link: followed; what it points at is handled by these same rules, and the link
///   itself stays a link.
/// - a regular file, or nothing: written to a temporary file in the same folder (same file
///   system, so `rename` is atomic), flushed with `fsync`, then renamed over the path and the
///   folder synced. Until ``commit()`` the previous file is untouched; an error or a crash leaves
///   it intact and no half-written file (the temporary file is removed). A replaced file keeps
///   its permission bits; a new one gets `0666` less the umask, as `open(2)` would give it.
///
/// Every failing system call becomes an ``OutputError`` naming the output, the path, the
/// operation and the C `errno` (ENOSPC, EACCES, EPIPE...).
///
/// ```swift
/// let output = try OutputFile(path: "events.jsonl", name: "events")
/// try output.write("{...}\n")
/// try output.commit()
/// ```
/// Not thread-safe: one writer owns it.
public final class OutputFile {
    /// What the output is, for messages ("events", "summary", "baseline").
    public let name: String
    /// The path as the user gave it (`-` for standard output).
    public let path: String
    private let descriptor: Int32
    private let closesDescriptor: Bool
    /// Set for an atomic replacement: the temporary file and the path it is renamed to.
    private var replacement: (temporary: String, final: String)?
    private var buffer: [UInt8] = []
    private var finished = false

    /// Bytes gathered before one `write` call; large enough that a JSON-lines output costs few
    /// system calls, small enough to be nothing next to the analysis state.
    static let bufferSize = 1 << 16
    /// Symbolic links followed before giving up, as Linux's `MAXSYMLINKS` (40).
    static let symbolicLinkLimit = 40

    /// Opens the output at `path` (`-` for standard output) by the rules above.
    public init(path: String, name: String) throws(OutputError) {
        self.name = name
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            closesDescriptor = false
            return
        }
        let target = try Self.followLinks(path, name: name)
        var status = stat()
        if stat(target, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            // A device, FIFO, terminal or socket: written where it is. O_TRUNC is ignored by
            // such files, and O_CREAT is left out so that a path removed meanwhile is not made.
            let opened = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard opened >= 0 else { throw OutputError(name: name, path: path, operation: "open", code: errno) }
            descriptor = opened
            closesDescriptor = true
            return
        }
        let existingMode: mode_t? = stat(target, &status) == 0 ? status.st_mode & 0o7777 : nil
        let folder = Self.folder(of: target)
        let base = target.split(separator: "/").last.map(String.init) ?? "output"
        var template = Array("\(folder)/.\(base).tmp-XXXXXX".utf8CString)
        let opened = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard opened >= 0 else {
            throw OutputError(name: name, path: path, operation: "create a file in \(folder)", code: errno)
        }
        let temporary = String(cString: template)
        let mode = existingMode ?? (0o666 & ~Self.currentUmask())
        if fchmod(opened, mode) != 0 {
            let code = errno
            close(opened)
            unlink(temporary)
            throw OutputError(name: name, path: path, operation: "set the mode of \(temporary)", code: code)
        }
        descriptor = opened
        closesDescriptor = true
        replacement = (temporary, target)
    }

    deinit {
        // An output dropped without `commit` (an error on the way) leaves the previous file
        // as it was and no temporary file behind.
        if closesDescriptor { close(descriptor) }
        if !finished, let replacement { unlink(replacement.temporary) }
    }

    /// True when this output is the process's standard output.
    public var isStandardOutput: Bool { path == "-" }

    /// Appends `text`; bytes reach the file in `bufferSize` blocks and at ``commit()``.
    public func write(_ text: String) throws(OutputError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(OutputError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    /// Writes what is buffered. Standard output and in-place files see it at once.
    public func flush() throws(OutputError) {
        var written = 0
        while written < buffer.count {
            let count = buffer.withUnsafeBytes { bytes in
                // `written < buffer.count`, so the range is inside the buffer.
                systemWrite(descriptor, bytes.baseAddress! + written, bytes.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                buffer.removeAll()
                throw OutputError(name: name, path: path, operation: "write", code: code)
            }
            written += count
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Finishes the output: writes the rest, and for a regular file syncs it and renames it over
    /// the path, then syncs the folder. Only after this returns is the previous file gone.
    public func commit() throws(OutputError) {
        try flush()
        guard let replacement else {
            finished = true
            return
        }
        guard fsync(descriptor) == 0 else {
            throw OutputError(name: name, path: path, operation: "sync", code: errno)
        }
        guard rename(replacement.temporary, replacement.final) == 0 else {
            throw OutputError(name: name, path: path, operation: "rename \(replacement.temporary) to", code: errno)
        }
        finished = true
        // The rename is durable once the folder is synced; a folder that cannot be opened or
        // synced (some network file systems) does not undo a rename that happened.
        let folder = open(Self.folder(of: replacement.final), O_RDONLY | O_CLOEXEC | O_DIRECTORY)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// Writes `text` to the output at `path` in one go (open, write, commit).
    public static func write(_ text: String, to path: String, name: String) throws(OutputError) {
        let output = try OutputFile(path: path, name: name)
        try output.write(text)
        try output.commit()
    }

    /// Writes `bytes` to the output at `path` in one go (open, write, commit).
    public static func write(_ bytes: [UInt8], to path: String, name: String) throws(OutputError) {
        let output = try OutputFile(path: path, name: name)
        try output.write(bytes)
        try output.commit()
    }

    /// Makes a write to a closed pipe return EPIPE instead of killing the process, so that a
    /// closed standard output can end the run quietly and a closed FIFO is reported as an error.
    public static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// The path a chain of symbolic links at `path` ends at (the path itself when it is not a
    /// link). A relative link target is relative to the link's folder.
    static func followLinks(_ path: String, name: String) throws(OutputError) -> String {
        var current = path
        for _ in 0..<symbolicLinkLimit {
            var status = stat()
            guard lstat(current, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return current }
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &target, target.count - 1)
            guard length >= 0 else {
                throw OutputError(name: name, path: path, operation: "read the link", code: errno)
            }
            let destination = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination : "\(folder(of: current))/\(destination)"
        }
        throw OutputError(name: name, path: path, operation: "follow the links", code: ELOOP)
    }

    /// The folder part of `path` (`.` for a bare name).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The process's umask (read by setting and restoring it; outputs are opened on one thread).
    static func currentUmask() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }
}

@available(*, unavailable)
extension OutputFile: Sendable {}

/// `write(2)`, named apart from ``OutputFile/write(_:)-(String)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// An output that could not be written: which output, where, what failed, and the C `errno`
/// (from `write(2)`, `open(2)`, `mkstemp(3)`, `fsync(2)`, `rename(2)`).
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public let name: String
    public let path: String
    public let operation: String
    /// The `errno` of the failing call: ENOSPC (disk or device full), EACCES (permission),
    /// EPIPE (the reader went away), EROFS, EDQUOT, EIO...
    public let code: Int32

    /// The reader of standard output went away (`| head`): the end of that output, not a failure.
    public var isClosedStandardOutput: Bool { path == "-" && code == EPIPE }

    public var description: String {
        let place = path == "-" ? "standard output" : path
        return "cannot write the \(name) to \(place): \(operation) failed: \(String(cString: strerror(code)))"
            + (Self.symbol(code).map { " (\($0))" } ?? "")
    }

    /// The C name of the codes a person is most likely to search for.
    static func symbol(_ code: Int32) -> String? {
        switch code {
        case ENOSPC: "ENOSPC"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case EPIPE: "EPIPE"
        case EROFS: "EROFS"
        case EDQUOT: "EDQUOT"
        case EIO: "EIO"
        case ENOENT: "ENOENT"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case ELOOP: "ELOOP"
        case EFBIG: "EFBIG"
        default: nil
        }
    }
}
