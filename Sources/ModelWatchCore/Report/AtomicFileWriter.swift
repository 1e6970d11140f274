#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an output file could not be written: the path, the step and the C library's `errno`
/// text (`strerror`), for an exit-3 message a person acts on.
public struct OutputWriteError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var step: String
    public var errno: Int32?

    public var description: String {
        let cause = errno.map { String(cString: strerror($0)) } ?? "not a regular file"
        return "cannot write \(path): \(step): \(cause)"
    }
}

/// Replaces a regular file in one step: the bytes go to a new temporary file in the same folder,
/// are flushed to disk (`fsync`), and the temporary file is renamed over the target, so a reader
/// (or a full disk) sees yesterday's whole file or today's, never half of one. A target that
/// exists and is not a regular file (a device, FIFO, directory or symlink) is refused: it is
/// never renamed over.
///
/// The POSIX calls are confined here; each returns -1 and sets `errno` on failure, which the
/// error carries.
public enum AtomicFileWriter {
    public static func write(_ bytes: [UInt8], to path: String) throws(OutputWriteError) {
        var status = stat()
        if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFREG {
            throw OutputWriteError(path: path, step: "it exists and is not a regular file, so it is not replaced")
        }
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array(((folder.isEmpty ? "" : folder + "/") + "." + name + ".tmp-XXXXXX").utf8CString)
        // mkstemp fills in the X's in place and opens the file O_CREAT|O_EXCL with mode 0600.
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw OutputWriteError(path: path, step: "creating a temporary file", errno: errno)
        }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        func fail(_ step: String) -> OutputWriteError {
            let error = OutputWriteError(path: path, step: step, errno: errno)
            close(descriptor)
            unlink(temporary)
            return error
        }
        var written = 0
        while written < bytes.count {
            // The buffer stays alive for the closure; `write` reads at most count - written bytes.
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw fail("writing")
            }
            written += result
        }
        // A report reads as others' files do: rw-r--r-- less the umask, not mkstemp's 0600.
        let mask = umask(0)
        umask(mask)
        if fchmod(descriptor, 0o644 & ~mask) != 0 { throw fail("setting permissions") }
        if fsync(descriptor) != 0 { throw fail("flushing to disk") }
        if close(descriptor) != 0 {
            unlink(temporary)
            throw OutputWriteError(path: path, step: "closing", errno: errno)
        }
        if rename(temporary, path) != 0 {
            let error = OutputWriteError(path: path, step: "renaming the temporary file over it", errno: errno)
            unlink(temporary)
            throw error
        }
    }
}
