import Foundation

/// A one-line progress display on standard error (bytes done of total, lines per second,
/// time left), redrawn in place; only used when standard error is a terminal.
///
/// Every draw runs on one private serial queue, and `stop()` cancels the timer on that same
/// queue, waiting for it: a draw in progress finishes before `stop()` clears the line, and no
/// draw starts after it, so the summary printed next is never overwritten or interleaved with a
/// half-written progress line.
public final class ProgressLine: @unchecked Sendable {
    private let total: Int64?
    private let started = Date()
    /// Runs the timer's draws and `stop()`'s cancellation, one at a time. `timer` and `stopped`
    /// are touched only on this queue (which is what makes the class `@unchecked Sendable`).
    private let queue = DispatchQueue(label: "modelwatch.progress")
    private var timer: (any DispatchSourceTimer)?
    private var stopped = false
    private let sample: @Sendable () -> (bytes: Int, lines: Int)
    /// Where a drawn line goes: standard error, or a test's collector.
    private let write: @Sendable (String) -> Void

    public init(
        totalBytes: Int64?, sample: @escaping @Sendable () -> (bytes: Int, lines: Int),
        write: (@Sendable (String) -> Void)? = nil
    ) {
        total = totalBytes
        self.sample = sample
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    public static var standardErrorIsTerminal: Bool { isatty(2) != 0 }

    /// Starts redrawing every `interval` seconds (first draw after one interval).
    public func start(interval: Double = 0.5) {
        queue.sync {
            guard !stopped, timer == nil else { return }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in
                guard let self, !self.stopped else { return }
                self.draw()
            }
            timer.resume()
            self.timer = timer
        }
    }

    /// Stops drawing and clears the line. Returns only after any draw in progress has finished;
    /// no draw happens afterwards. Calling it again does nothing.
    public func stop() {
        queue.sync {
            guard !stopped else { return }
            stopped = true
            timer?.cancel()
            timer = nil
            write("\r\u{1B}[K")
        }
    }

    private func draw() {
        let (bytes, lines) = sample()
        let elapsed = Date().timeIntervalSince(started)
        var text = "\r\u{1B}[Kreading \(SummaryReport.bytes(Int64(bytes)))"
        if let total, total > 0 {
            let share = min(1, Double(bytes) / Double(total))
            text += " of \(SummaryReport.bytes(total)) (\(Int(share * 100))%)"
            if share > 0.01 && elapsed > 1 {
                let left = elapsed / share - elapsed
                text += ", about \(Int(left.rounded())) s left"
            }
        }
        if elapsed > 0 {
            text += ", \(SummaryReport.bytes(Int64(Double(bytes) / elapsed)))/s read"
            text += ", \(Int(Double(lines) / elapsed)) lines/s"
        }
        write(text)
    }
}
