#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where `live` writes its incident lines: a file opened for appending (created when missing;
/// an existing device, FIFO or terminal is written in place, as SPEC.md asks) or standard
/// output. Each line goes out in one `write` loop and is on its way before the next is built,
/// so a consumer never sees half a line from a finished write; SIGHUP reopens the file, for
/// logrotate of the events file.
public final class EventLineSink {
    /// An events output that could not be written: which output and why (`errno`'s text).
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        /// The pipe's reader went away (EPIPE) on standard output: an ordinary end, not a fault.
        public let closedStandardOutput: Bool
        public var description: String { "cannot write events to \(path): \(reason)" }
    }

    public let path: String
    private var descriptor: Int32

    /// Opens `path` (`-` for standard output).
    public init(path: String) throws(WriteError) {
        self.path = path
        descriptor = path == "-" ? 1 : -1
        if path != "-" { descriptor = try Self.open(path) }
    }

    deinit { if path != "-" && descriptor >= 0 { close(descriptor) } }

    private static func open(_ path: String) throws(WriteError) -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw WriteError(path: path, reason: String(cString: strerror(errno)), closedStandardOutput: false)
        }
        return descriptor
    }

    /// Closes and opens the file again under its name (after logrotate moved it away).
    public func reopen() throws(WriteError) {
        guard path != "-" else { return }
        let fresh = try Self.open(path)
        close(descriptor)
        descriptor = fresh
    }

    /// Writes one line (a newline is added).
    public func write(line: String) throws(WriteError) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw WriteError(
                    path: path == "-" ? "standard output" : path, reason: String(cString: strerror(code)),
                    closedStandardOutput: path == "-" && code == EPIPE)
            }
            done += count
        }
    }
}

@available(*, unavailable)
extension EventLineSink: Sendable {}
