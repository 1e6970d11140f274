#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where `live` writes its incident lines: a file opened for appending (created when missing;
/// an existing device, FIFO or terminal is written in place, as SPEC.md asks) or standard
/// output. Each line goes out in one `write` loop and is on its way before the next is built,
/// so a consumer never sees half a line from a finished write; SIGHUP reopens the file, for
/// logrotate of the events file. Failures are the tool's one ``OutputError`` (exit 3 with the
/// real cause; a closed standard output is ``OutputError/isClosedStandardOutput``).
public final class EventLineSink {
    public let path: String
    private var descriptor: Int32

    /// Opens `path` (`-` for standard output).
    public init(path: String) throws(OutputError) {
        self.path = path
        descriptor = path == "-" ? 1 : -1
        if path != "-" { descriptor = try Self.open(path) }
    }

    deinit { if path != "-" && descriptor >= 0 { close(descriptor) } }

    private static func open(_ path: String) throws(OutputError) -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OutputError(name: "events", path: path, operation: "open", code: errno)
        }
        return descriptor
    }

    /// Closes and opens the file again under its name (after logrotate moved it away).
    public func reopen() throws(OutputError) {
        guard path != "-" else { return }
        let fresh = try Self.open(path)
        close(descriptor)
        descriptor = fresh
    }

    /// Writes one line (a newline is added).
    public func write(line: String) throws(OutputError) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0 {
                if errno == EINTR { continue }
                throw OutputError(name: "events", path: path, operation: "write", code: errno)
            }
            done += count
        }
    }
}

@available(*, unavailable)
extension EventLineSink: Sendable {}
