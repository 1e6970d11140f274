import Foundation

/// A list of inputs read from a file (`analyze --inputs-from FILE`), for callers that hand the
/// tool more files than a command line holds, or local copies of files that must be reported
/// under their original names (the Spark integration copies `s3a://` and `hdfs://` objects to a
/// task's temporary folder, and the events must still name the object).
///
/// The file is a JSON array (Foundation's JSON: it is a small list, not log data). Each
/// element is a path string, or an object with the `path` to open and the `name` to report
/// for it (SPEC.md `entity.source`):
///
/// ```json
/// ["/data/gateway/access.log",
///  {"path": "/tmp/shard-3/0.gz", "name": "s3a://logs/inf-1/2026-11-01.jsonl.gz"}]
/// ```
///
/// A path without a name may be a directory, walked as a PATH argument is; a named path must
/// be a regular file, since one name cannot stand for a tree.
public enum InputList {
    /// Why an input list could not be used; the description names the file and the entry.
    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The inputs listed in the file at `path`, in the order listed.
    public static func load(path: String) throws(LoadError) -> [InputSource] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "cannot read the input list \(path)")
        }
        let entries: [Any]
        do {
            guard let array = try JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw LoadError(description: "the input list \(path) is not a JSON array")
            }
            entries = array
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(description: "the input list \(path) is not valid JSON: \(error.localizedDescription)")
        }
        var sources: [InputSource] = []
        for (position, entry) in entries.enumerated() {
            let entryName = "entry \(position + 1) of the input list \(path)"
            if let plain = entry as? String {
                sources += try expand(plain, at: entryName)
                continue
            }
            guard let object = entry as? [String: Any], let file = object["path"] as? String, !file.isEmpty else {
                throw LoadError(description: "\(entryName) is neither a path nor an object with a \"path\" string")
            }
            guard let name = object["name"] else {
                sources += try expand(file, at: entryName)
                continue
            }
            guard let name = name as? String, !name.isEmpty else {
                throw LoadError(description: "\(entryName) has a \"name\" that is not a non-empty string")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
                throw LoadError(description: "\(entryName): no such file: \(file)")
            }
            guard !isDirectory.boolValue else {
                throw LoadError(description: "\(entryName) names the directory \(file); a named entry must be a file")
            }
            sources.append(InputSource(path: file, size: InputDiscovery.fileSize(file), name: name))
        }
        return sources
    }

    private static func expand(_ path: String, at entry: String) throws(LoadError) -> [InputSource] {
        do {
            return try InputDiscovery.expand([path])
        } catch {
            throw LoadError(description: "\(entry): \(error.description)")
        }
    }
}
