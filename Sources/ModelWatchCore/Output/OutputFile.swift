#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes an output file so that it is never half-written and never destroys what it should not:
/// a regular file (or a path that does not exist yet) is replaced atomically: the bytes go to a
/// temporary file in the same folder, which is flushed to disk (`fsync`) and renamed over the
/// target, so a full disk or a crash leaves the previous file intact. An existing path that is
/// not a regular file (a FIFO, a device, a terminal) is written in place, never replaced. A
/// symbolic link is followed, so the file it points to is replaced and the link stays.
///
/// The POSIX calls live here, each failure reported with its `errno` text.
public enum OutputFile {
    /// An output that could not be written: which one, and the operating system's reason.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let cause: String
        public var description: String { "cannot write \(path): \(cause)" }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(WriteError) {
        var target = path
        var status = stat()
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT != S_IFREG {
                try writeInPlace(bytes, to: path)
                return
            }
            if let resolved = realpath(path, nil) {
                target = String(cString: resolved)
                free(resolved)
            }
        }
        try replaceAtomically(bytes, at: target, reportedAs: path)
    }

    #if canImport(Glibc)
        private static let systemWrite = Glibc.write
    #elseif canImport(Darwin)
        private static let systemWrite = Darwin.write
    #endif

    /// The operating system's text for the current `errno`.
    static func reason() -> String { String(cString: strerror(errno)) }

    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws(WriteError) {
        let descriptor = open(path, O_WRONLY)
        guard descriptor >= 0 else { throw WriteError(path: path, cause: reason()) }
        defer { close(descriptor) }
        try writeAll(bytes, to: descriptor, path: path)
    }

    private static func replaceAtomically(_ bytes: [UInt8], at target: String, reportedAs path: String)
        throws(WriteError)
    {
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[..<$0]) } ?? "."
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        let temporary =
            (folder.isEmpty ? "" : folder + "/") + ".\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            throw WriteError(
                path: path, cause: "cannot create a temporary file in \(folder.isEmpty ? "/" : folder): \(reason())")
        }
        var closed = false
        do throws(WriteError) {
            try writeAll(bytes, to: descriptor, path: path)
            guard fsync(descriptor) == 0 else { throw WriteError(path: path, cause: "flushing to disk: \(reason())") }
            closed = true
            guard close(descriptor) == 0 else { throw WriteError(path: path, cause: "closing: \(reason())") }
            guard rename(temporary, target) == 0 else { throw WriteError(path: path, cause: "renaming: \(reason())") }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporary)
            throw error
        }
        // The rename is durable once the folder is flushed too; a folder that cannot be opened
        // or flushed (some file systems refuse) does not undo a write that already happened.
        let folderDescriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(WriteError) {
        var written = 0
        while written < bytes.count {
            // Safe: the buffer pointer is used only inside the closure, within the array's bounds.
            let result = bytes.withUnsafeBytes { buffer in
                systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, cause: reason())
            }
            written += result
        }
    }
}
