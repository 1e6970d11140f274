import Foundation
import Testing

/// Doc comments that name a member of one of this package's types (`` `Type.member` ``) name a
/// member that exists: a rename that leaves such a comment behind fails here (it found
/// `AnalysisOptions.backwardTolerance` and `AnalysisOptions.futureToleranceMillis`, both gone).
@Suite struct DocCommentSymbolTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    /// Every `.swift` file under Sources/, with its text.
    static func sourceFiles() throws -> [(path: String, text: String)] {
        let walker = try #require(FileManager.default.enumerator(atPath: sources.path))
        var files: [(String, String)] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            files.append((relative, try String(contentsOf: sources.appendingPathComponent(relative), encoding: .utf8)))
        }
        return files
    }

    @Test func qualifiedNamesInDocCommentsExist() throws {
        let files = try Self.sourceFiles()
        #expect(files.count > 50)
        var types: Set<String> = []
        var declared: Set<String> = ["init", "self", "Type", "rawValue", "allCases", "description"]
        for (_, text) in files {
            for match in text.matches(of: /(?:struct|class|enum|protocol|actor|typealias)\s+([A-Za-z_]\w*)/) {
                types.insert(String(match.1))
                declared.insert(String(match.1))
            }
            for match in text.matches(of: /(?:func|var|let|case|static func|static let|static var)\s+`?([A-Za-z_]\w*)/)
            {
                declared.insert(String(match.1))
            }
            // Several enum cases on one line: `case a, b, c`.
            for match in text.matches(of: /case\s+([a-z]\w*(?:\s*,\s*[a-z]\w*)+)/) {
                for name in match.1.split(separator: ",") { declared.insert(name.trimmingCharacters(in: .whitespaces)) }
            }
        }
        var stale: [String] = []
        for (path, text) in files {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                for match in line.matches(of: /`([A-Z]\w*)((?:\.[A-Za-z_]\w*)+)(?:\([^)`]*\))?`/) {
                    guard types.contains(String(match.1)) else { continue }
                    for member in match.2.split(separator: ".") where !declared.contains(String(member)) {
                        stale.append("\(path):\(number + 1): `\(match.0.dropFirst().dropLast())`")
                    }
                }
            }
        }
        #expect(stale.isEmpty, "doc comments naming members that do not exist:\n\(stale.joined(separator: "\n"))")
    }
}
