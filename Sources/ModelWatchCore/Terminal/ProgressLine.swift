import Foundation

/// A one-line progress display on standard error (bytes done of total, lines per second,
/// time left), redrawn in place; only used when standard error is a terminal.
public final class ProgressLine: @unchecked Sendable {
    private let total: Int64?
    private let started = Date()
    private var timer: (any DispatchSourceTimer)?
    private let sample: @Sendable () -> (bytes: Int, lines: Int)

    public init(totalBytes: Int64?, sample: @escaping @Sendable () -> (bytes: Int, lines: Int)) {
        total = totalBytes
        self.sample = sample
    }

    public static var standardErrorIsTerminal: Bool { isatty(2) != 0 }

    public func start() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + 0.5, repeating: 0.5)
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
        self.timer = timer
    }

    public func stop() {
        timer?.cancel()
        timer = nil
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
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
        FileHandle.standardError.write(Data(text.utf8))
    }
}
