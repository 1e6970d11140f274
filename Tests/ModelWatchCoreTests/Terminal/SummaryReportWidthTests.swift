import Testing

@testable import ModelWatchCore

/// The terminal summary fits its width and folds repeated low events into one line.
@Suite struct SummaryReportWidthTests {
    @Test func tablesFitTheWidthAndCutWithAnEllipsis() {
        let long = String(repeating: "/very/long/path", count: 20)
        let rows = [["source", "kind", "lines"], [long, "access", "12345"], ["short", "inference", "7"]]
        for width in [40, 60, 80, 120] {
            let text = SummaryReport.table(rows, width: width)
            for line in text.split(separator: "\n") { #expect(line.count <= width, "\(width): \(line)") }
            #expect(text.contains("…"))
            // The short columns are kept whole.
            #expect(text.contains("12345"))
        }
        // A table that fits is not touched.
        #expect(!SummaryReport.table([["a", "b"], ["c", "d"]], width: 80).contains("…"))
    }

    @Test func wrappedLinesFitAndKeepEveryWord() {
        let text = (0..<60).map { "word\($0)" }.joined(separator: " ") + " " + String(repeating: "x", count: 100)
        for width in [40, 80] {
            let wrapped = SummaryReport.wrap(text, width: width)
            for line in wrapped.split(separator: "\n") { #expect(line.count <= width) }
            let words = wrapped.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined()
            #expect(words == text.split(separator: " ").joined())
        }
    }

    @Test func repeatedLowEventsBecomeOneLineWithACount() {
        let probes = (0..<34).map { index in
            Event(
                type: .opsVulnProbe, severity: .low, startMillis: Int64(index) * 60_000,
                endMillis: Int64(index) * 60_000, entity: EventEntity(ip: "10.0.0.\(index)"), evidence: [],
                message: "10.0.0.\(index) sent 1 probe request")
        }
        let high = Event(
            type: .opsChange, severity: .high, startMillis: 0, endMillis: 0, entity: EventEntity(model: "m"),
            evidence: [], message: "a change")
        var report = SummaryReport()
        report.width = 80
        let text = report.renderEvents(probes + [high])
        #expect(text.contains("34 events like"))
        #expect(text.components(separatedBy: "probe request").count - 1 == 1)
        #expect(text.contains("a change"))
        for line in text.split(separator: "\n") { #expect(line.count <= 80) }
    }
}
