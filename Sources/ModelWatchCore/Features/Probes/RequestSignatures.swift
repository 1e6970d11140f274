import Foundation

/// The signature lists the access-log checks match against: the data files in
/// `Features/Probes/data/` (each names its public source), compiled into the binary as
/// `BundledSignatureLists` by `tools/generate_signatures.py`: scanner user agents, probe paths, and
/// administrative path prefixes. Matching is case-insensitive and byte-level; agents and paths
/// are each searched for all their signatures in one pass (`MultiPatternMatcher`).
public struct RequestSignatures: Sendable {
    public let scannerAgents: [[UInt8]]
    public let probePaths: [[UInt8]]
    public let adminPathPrefixes: [[UInt8]]
    private let agentMatcher: MultiPatternMatcher
    private let pathMatcher: MultiPatternMatcher

    public init(scannerAgents: [String], probePaths: [String], adminPathPrefixes: [String]) {
        self.scannerAgents = scannerAgents.map { Array($0.lowercased().utf8) }
        self.probePaths = probePaths.map { Array($0.lowercased().utf8) }
        self.adminPathPrefixes = adminPathPrefixes.map { Array($0.lowercased().utf8) }
        agentMatcher = MultiPatternMatcher(self.scannerAgents)
        pathMatcher = MultiPatternMatcher(self.probePaths)
    }

    /// The lists shipped with modelwatch, plus extra admin prefixes from the configuration.
    /// They are part of the binary, so it runs from any folder (a copy in /usr/local/bin too).
    public static func bundled(extraAdminPaths: [String] = []) -> RequestSignatures {
        RequestSignatures(
            scannerAgents: parseList(BundledSignatureLists.scannerUserAgents),
            probePaths: parseList(BundledSignatureLists.probePaths),
            adminPathPrefixes: parseList(BundledSignatureLists.adminPaths) + extraAdminPaths)
    }

    /// One entry a line; `#` starts a comment line; blank lines are skipped.
    static func parseList(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Index of the first scanner signature contained in `agent`.
    public func scannerAgent(in agent: UnsafeRawBufferPointer) -> Int? {
        agentMatcher.firstPattern(in: agent)
    }

    /// Index of the first probe signature contained in `path`.
    public func probePath(in path: UnsafeRawBufferPointer) -> Int? {
        pathMatcher.firstPattern(in: path)
    }

    /// True when `path` starts with an admin prefix, directly or after a `/vN` version segment.
    public func isAdminPath(_ path: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        if path.count > 3, path[0] == UInt8(ascii: "/"), path[1] | 0x20 == UInt8(ascii: "v"), path[2] &- 48 < 10 {
            var index = 2
            while index < path.count, path[index] &- 48 < 10 { index += 1 }
            if index < path.count, path[index] == UInt8(ascii: "/") { start = index }
        }
        let rest = UnsafeRawBufferPointer(rebasing: path[start...])
        return adminPathPrefixes.contains { prefix in
            prefix.count <= rest.count && prefix.indices.allSatisfy { Self.lower(rest[$0]) == prefix[$0] }
        }
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 { byte &- 65 < 26 ? byte | 0x20 : byte }

    /// Case-insensitive substring test; `needle` is lower case. The oracle the matcher's tests
    /// compare with.
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        let first = needle[0]
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if lower(haystack[start]) == first {
                var offset = 1
                while offset < needle.count && lower(haystack[start + offset]) == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
