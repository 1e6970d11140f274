#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What makes a followed file the same file after a rename, a restart or a rotation: its device
/// and inode, and a hash of its first bytes (an inode number is reused once a file is deleted,
/// so a new file with an old inode is told apart by its content).
public struct FileIdentity: Sendable, Hashable, Codable {
    public var device: UInt64
    public var inode: UInt64
    /// How many leading bytes `prefixHash` covers (at most `prefixCap`).
    public var prefixLength: Int
    public var prefixHash: UInt64

    /// Leading bytes hashed: enough to tell apart two logs (each line starts with a timestamp).
    public static let prefixCap = 1024

    public init(device: UInt64, inode: UInt64, prefixLength: Int, prefixHash: UInt64) {
        self.device = device
        self.inode = inode
        self.prefixLength = prefixLength
        self.prefixHash = prefixHash
    }

    /// Whether the open file `descriptor` (whose identity is `candidate`) is this file: same
    /// device and inode, and its first `prefixLength` bytes still hash as this file's did (a
    /// file now shorter than what was hashed is not the same content: it was truncated or the
    /// inode was reused).
    public func matches(_ candidate: FileIdentity, descriptor: Int32) -> Bool {
        guard device == candidate.device && inode == candidate.inode else { return false }
        guard prefixLength > 0 else { return true }
        return FileCalls.prefixHash(descriptor, length: prefixLength) == prefixHash
    }
}

/// The few POSIX calls the follower makes, each wrapped once; a failure returns nil (the caller
/// treats the file as absent and retries on its next scan) rather than a thrown error, because
/// for a follower a missing file is an ordinary state, not a fault.
enum FileCalls {
    struct Status {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var links: UInt64
        var isRegular: Bool
    }

    static func status(path: String) -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Status(info)
    }

    static func status(descriptor: Int32) -> Status? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return Status(info)
    }

    /// Opens `path` read-only; -1 when it cannot be opened.
    static func openForReading(_ path: String) -> Int32 {
        open(path, O_RDONLY | O_CLOEXEC)
    }

    /// Reads up to `buffer.count` bytes at the descriptor's position; 0 at end of file, -1 on error.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            return count
        }
    }

    /// Whether `descriptor` has bytes to read (or reached its end) within `timeoutMillis`.
    static func waitReadable(_ descriptor: Int32, timeoutMillis: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&entry, 1, timeoutMillis) > 0
    }

    static func seek(_ descriptor: Int32, to offset: Int64) -> Bool {
        lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset)
    }

    /// The hash of the first `length` bytes, read with `pread` (the descriptor's position does
    /// not move); nil when the file is shorter.
    static func prefixHash(_ descriptor: Int32, length: Int) -> UInt64? {
        var bytes = [UInt8](repeating: 0, count: length)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, 0) }
        guard count == length else { return nil }
        return bytes.withUnsafeBytes { ByteHashing.hash($0) }
    }

    /// The identity of the open file, hashing up to `FileIdentity.prefixCap` leading bytes.
    static func identity(of descriptor: Int32) -> FileIdentity? {
        guard let status = status(descriptor: descriptor) else { return nil }
        let length = Int(min(Int64(FileIdentity.prefixCap), status.size))
        let hash = length > 0 ? (prefixHash(descriptor, length: length) ?? 0) : 0
        return FileIdentity(device: status.device, inode: status.inode, prefixLength: length, prefixHash: hash)
    }
}

extension FileCalls.Status {
    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        links = UInt64(info.st_nlink)
        isRegular = (info.st_mode & S_IFMT) == S_IFREG
    }
}
