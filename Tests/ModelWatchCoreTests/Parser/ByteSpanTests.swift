import Testing

@testable import ModelWatchCore

/// `ByteSpan`: offsets that do not fit 32 bits and spans reaching outside their line stop the
/// program instead of wrapping or reading next to the line; the line cap keeps every real line
/// inside what a span can address.
@Suite struct ByteSpanTests {
    @Test func bytesInLineNameExactlyTheSpan() {
        let text = Array("model=fraud-scorer".utf8)
        text.withUnsafeBytes { line in
            #expect(Array(ByteSpan(start: 6, count: 12).bytes(in: line)) == Array("fraud-scorer".utf8))
            #expect(ByteSpan(start: 18, count: 0).bytes(in: line).isEmpty)
            #expect(ByteSpan.absent.bytes(in: line).isEmpty)
        }
    }

    @Test func spanPastTheLineStops() async {
        await #expect(processExitsWith: .failure) {
            let text = Array("short".utf8)
            _ = text.withUnsafeBytes { ByteSpan(start: 2, count: 4).bytes(in: $0).count }
        }
    }

    @Test func negativeStartStops() async {
        await #expect(processExitsWith: .failure) {
            let text = Array("short".utf8)
            _ = text.withUnsafeBytes { ByteSpan(start: -1, count: 2).bytes(in: $0).count }
        }
    }

    @Test func offsetPastThirtyTwoBitsStopsInsteadOfWrapping() async {
        // Before the fix this wrapped to start 0 and named the line's first byte.
        await #expect(processExitsWith: .failure) {
            _ = ByteSpan(start: (1 << 32) + 1, count: 1)
        }
    }

    @Test func lineCapStaysWithinWhatSpansAddress() {
        #expect(AnalysisOptions.maximumLineCap < ByteSpan.maximumLineLength)
        var options = AnalysisOptions(threads: 1)
        options.lineCap = 3 << 30
        #expect(options.effectiveLineCap == AnalysisOptions.maximumLineCap)
        options.lineCap = 4096
        #expect(options.effectiveLineCap == 4096)
        let aggregator = ChunkAggregator(
            sourcePaths: ["a"], windowMillis: 60_000, lineCap: Int.max, accessFormat: nil)
        #expect(aggregator.lineCap == AnalysisOptions.maximumLineCap)
    }
}
