import Foundation
import Synchronization
import Testing

@testable import ModelWatchCore

/// `ProgressLine.stop()` waits for a draw in progress, clears the line after it, and nothing is
/// drawn afterwards (before the fix, `stop()` cleared the line while a timer draw could still be
/// writing, leaving a progress line over the summary).
@Suite struct ProgressLineTests {
    @Test func stopWaitsForTheDrawInProgressAndNothingDrawsAfter() throws {
        let written = Mutex<[String]>([])
        let drawing = DispatchSemaphore(value: 0)
        let progress = ProgressLine(
            totalBytes: 1000,
            sample: {
                drawing.signal()
                // A slow sample: `stop()` is called while this draw is under way.
                Thread.sleep(forTimeInterval: 0.2)
                return (bytes: 500, lines: 10)
            },
            write: { text in written.withLock { $0.append(text) } })
        progress.start(interval: 0.01)
        #expect(drawing.wait(timeout: .now() + 10) == .success)
        progress.stop()
        let atStop = written.withLock { $0 }
        #expect(atStop.last == "\r\u{1B}[K")
        #expect(atStop.dropLast().contains { $0.contains("reading 500 B of ") })
        Thread.sleep(forTimeInterval: 0.1)
        #expect(written.withLock { $0 } == atStop)
        progress.stop()
        #expect(written.withLock { $0 } == atStop)
    }
}
