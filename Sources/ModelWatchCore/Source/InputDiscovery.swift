import Foundation

/// One input to read: a regular file found on the command line or by a directory walk, or
/// standard input.
public struct InputSource: Sendable, Equatable {
    /// The path as given or found, which is opened; `-` for standard input.
    public var path: String
    /// The name reported for this input in the accounting and in events (SPEC.md
    /// `entity.source`): the path itself, unless the file is a local copy of one read from
    /// elsewhere (a Spark task's copy of an `s3a://` object keeps the object's URI).
    public var name: String
    /// Size in bytes when known (regular files), for progress.
    public var size: Int64?
    /// Bytes of the file to skip before reading: the part an earlier night already read, when
    /// the nightly report reads only a grown file's new tail. 0 reads the whole file.
    public var startOffset: Int64 = 0

    public var isStandardInput: Bool { path == "-" }

    public init(path: String, size: Int64?, name: String? = nil) {
        self.path = path
        self.size = size
        self.name = name ?? path
    }
}

/// Expands the PATH arguments of a command into the inputs to read.
public enum InputDiscovery {
    public struct MissingPath: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "no such file or directory: \(path)" }
    }

    /// Files stay as given; directories are walked recursively in byte order of their names
    /// (a stable order, so runs over the same tree list the same sources). Inside directories,
    /// hidden entries (names starting with `.`) and Markdown notes (`*.md`, such as a README
    /// beside the logs) are skipped; a file named on the command line is always read. `-` is
    /// standard input.
    public static func expand(_ paths: [String]) throws(MissingPath) -> [InputSource] {
        var sources: [InputSource] = []
        for path in paths {
            if path == "-" {
                sources.append(InputSource(path: "-", size: nil))
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw MissingPath(path: path)
            }
            if isDirectory.boolValue {
                walk(path, into: &sources)
            } else {
                sources.append(InputSource(path: path, size: fileSize(path)))
            }
        }
        return sources
    }

    private static func walk(_ directory: String, into sources: inout [InputSource]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        where !name.hasPrefix(".") && !name.lowercased().hasSuffix(".md") {
            let path = base + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                walk(path, into: &sources)
            } else {
                sources.append(InputSource(path: path, size: fileSize(path)))
            }
        }
    }

    static func fileSize(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}
