import Foundation
import Testing

@testable import ModelWatchCore

/// The strict document readers and the `--config` schema: each way a config file was silently
/// misread before (issue 15) is now an error naming file, line and column.
@Suite struct StrictConfigurationTests {
    func loadError(_ text: String, path: String = "c.json") -> String? {
        do {
            _ = try DetectorConfiguration.parse(Data(text.utf8), path: path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func anUnknownKeyIsAnErrorWithASuggestionAndItsPosition() {
        let message = loadError("{\n  \"aproved_changes\": []\n}")
        #expect(
            message
                == "config file c.json:2:3: unknown key 'aproved_changes' in the top level; did you mean 'approved_changes'?"
        )
        let nested = loadError(#"{"drift": {"window_hour": 24}}"#)
        #expect(
            nested?.contains("c.json:1:12: unknown key 'window_hour' in drift; did you mean 'window_hours'?") == true)
        let far = loadError(#"{"colour": 1}"#)
        #expect(
            far?.contains(
                "known keys: abuse, admin_paths, administrators, approved_changes, capacity, clock_skew, drift, environment_markers, logging_gaps, partial_loss, probes"
            )
                == true)
        let feature = loadError(#"{"drift": {"models": {"m": {"features": {"f": {"ignored": true}}}}}}"#)
        #expect(feature?.contains("unknown key 'ignored' in drift.models.m.features.f; did you mean 'ignore'?") == true)
    }

    @Test func trailingCommasCommentsAndDuplicatesAreRejected() {
        #expect(loadError("{\"administrators\": [\"a\",]}")?.contains("c.json:1:25: trailing comma before ']'") == true)
        #expect(loadError("{\"administrators\": [],\n}")?.contains("c.json:2:1: trailing comma before '}'") == true)
        #expect(loadError("{// note\n}")?.contains("comments are not JSON") == true)
        #expect(loadError("{\"admin_paths\": [], \"admin_paths\": []}")?.contains("appears twice") == true)
        #expect(loadError("{} {}")?.contains("after the end of the document") == true)
    }

    @Test func aSyntaxErrorHasLineAndColumnNotADecodingError() {
        let message = loadError("{\n  \"administrators\": [\"a\" \"b\"]\n}")
        #expect(message == "config file c.json:2:26: expected ',' or ']' in the list, found '\"'")
        #expect(message?.contains("DecodingError") == false)
        #expect(
            loadError("{\"drift\": {\"window_hours\": \"24\"}}")?.contains(
                "1:28: drift.window_hours must be a whole number, not a string") == true)
        #expect(loadError("{\"drift\": {\"window_hours\": 1.5}}")?.contains("must be a whole number") == true)
    }

    @Test func anApprovalNeedsItsWindow() {
        let message = loadError(#"{"approved_changes": [{"model": "m", "version": "1"}]}"#)
        #expect(message == "config file c.json:1:23: approved_changes[0] needs 'from' and 'to'")
        let onlyTo = loadError(#"{"approved_changes": [{"model": "m", "version": "1", "to": "2026-11-17T00:00:00Z"}]}"#)
        #expect(onlyTo?.hasSuffix("approved_changes[0] needs 'from'") == true)
        let badTime = loadError(
            "{\"approved_changes\": [{\"model\": \"m\", \"version\": \"1\",\n \"from\": \"yesterday\", \"to\": \"2026-11-17T00:00:00Z\"}]}"
        )
        #expect(badTime?.hasPrefix("config file c.json:2:10: approved_changes[0].from 'yesterday'") == true)
    }

    @Test func yamlConfigsReadTheSameAsJSON() throws {
        let yaml = """
            # the change board's approvals
            approved_changes:
              - model: fraud-scorer
                version: "3.3.0"
                from: 2026-11-17T13:00:00Z
                to: "2026-11-17T16:00:00Z"
            administrators: [k-root01]
            drift:
              window_hours: 12
              models:
                fraud-scorer:
                  features:
                    session_id: {ignore: true}
            """
        let json = """
            {"approved_changes": [{"model": "fraud-scorer", "version": "3.3.0",
              "from": "2026-11-17T13:00:00Z", "to": "2026-11-17T16:00:00Z"}],
             "administrators": ["k-root01"],
             "drift": {"window_hours": 12, "models": {"fraud-scorer": {"features": {"session_id": {"ignore": true}}}}}}
            """
        let fromYAML = try DetectorConfiguration.parse(Data(yaml.utf8), path: "c.yaml")
        let fromJSON = try DetectorConfiguration.parse(Data(json.utf8), path: "c.json")
        #expect(fromYAML == fromJSON)
        #expect(fromYAML.approvedChanges.count == 1)
        #expect(fromYAML.drift.windowHours == 12)
    }

    @Test func yamlErrorsHaveLineAndColumnToo() {
        let unknown = loadError("drift:\n  window_hours: 24\n  p_valeu: 0.05\n", path: "c.yml")
        #expect(unknown == "config file c.yml:3:3: unknown key 'p_valeu' in drift; did you mean 'p_value'?")
        let syntax = loadError("drift:\n  window_hours: [24\n", path: "c.yaml")
        #expect(syntax?.hasPrefix("config file c.yaml:") == true && syntax?.contains("not valid YAML") == true)
        let unquoted = loadError("approved_changes:\n  - {model: m, version: 3.3, from: a, to: b}\n", path: "c.yaml")
        #expect(
            unquoted
                == "config file c.yaml:2:25: approved_changes[0].version must be a string, not a number (put it in quotes)"
        )
        // The billion laughs: nine levels of ten aliases each would be 10^9 strings.
        var laughs = "a0: &a0 [lol]\n"
        for level in 1...9 {
            laughs +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        let bomb = loadError(laughs, path: "c.yaml")
        #expect(bomb?.contains("expands to more than") == true)
        let duplicate = loadError("administrators: [x]\nadministrators: [y]\n", path: "c.yaml")
        #expect(duplicate?.contains("appears twice") == true)
    }

    @Test func theJSONReaderAgreesWithFoundationOnValidDocuments() throws {
        // An independent parser as the oracle for values: escapes, surrogates, numbers.
        let documents = [
            #"{"a": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "b": [1, -2.5e3, 0, 0.125, 1E-2], "c": {"d": null, "e": true}}"#,
            #"[]"#, #"[{}]"#, #""é""#, #"-0.0"#,
        ]
        for text in documents {
            let node = try StrictJSONReader.read(Array(text.utf8), file: "t.json")
            let ours = try JSONSerialization.jsonObject(
                with: Data(node.canonicalJSON().utf8), options: .fragmentsAllowed)
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
            #expect(Self.same(ours, theirs), "\(text)")
        }
        for bad in ["01", "1.", "-", "\"\\x\"", "\"a\nb\"", "[1,]", "{\"a\"}", "tru", "\"\\ud800\"", "{\"a\":1,,}"] {
            #expect(throws: DocumentError.self, "\(bad)") { try StrictJSONReader.read(Array(bad.utf8), file: "t.json") }
        }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: DocumentError.self) { try StrictJSONReader.read(Array(deep.utf8), file: "t.json") }
    }

    /// Equal JSON values as Foundation returns them (numbers compared as doubles).
    static func same(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (let a as [String: Any], let b as [String: Any]):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
        case (let a as [Any], let b as [Any]): return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (let a as String, let b as String): return a == b
        case (let a as NSNumber, let b as NSNumber): return a.doubleValue == b.doubleValue
        case (is NSNull, is NSNull): return true
        default: return false
        }
    }

    @Test func theCommandLineExitsTwoWithFileLineAndColumn() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("modelwatch.json")
        try Data("{\n  \"aproved_changes\": []\n}\n".utf8).write(to: config)
        let run = try CommandLineTests.run(["analyze", "-", "--config", config.path, "--no-progress"], input: Data())
        #expect(run.status == 2)
        #expect(run.standardError.contains("\(config.path):2:3: unknown key 'aproved_changes'"), "\(run.standardError)")
    }
}
