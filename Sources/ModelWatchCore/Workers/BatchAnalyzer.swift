import Foundation
import Synchronization

/// Runs the batch pipeline over a list of inputs on several threads and returns the merged summary.
///
/// Every worker runs the same loop: parse a chunk waiting in the queue if there is one; else
/// claim the next unread file and decode it, pushing its chunks to the queue for idle workers;
/// when the queue is full, the reader parses its own chunk instead of waiting. So several files
/// decode at once, and within one large file decompression runs on one thread while the others
/// parse. Each worker owns its `ChunkAggregator`; the summaries merge after the parallel step.
/// Merging adds counts, so totals do not depend on which worker read what.
public final class BatchAnalyzer: Sendable {
    public let options: AnalysisOptions
    /// Raw bytes read so far across all inputs (for the progress line).
    let bytesRead = Atomic<Int>(0)
    /// Lines parsed so far (updated once per chunk).
    let linesParsed = Atomic<Int>(0)

    /// Raw bytes read and lines parsed so far; safe to call from any thread during `run`.
    public var progress: (bytes: Int, lines: Int) {
        (bytesRead.load(ordering: .relaxed), linesParsed.load(ordering: .relaxed))
    }

    public init(options: AnalysisOptions) {
        self.options = options
    }

    public func run(_ sources: [InputSource]) -> AnalysisSummary {
        let scheduler = WorkQueue(capacity: options.threads * 2, fileCount: sources.count)
        let aggregators = (0..<options.threads).map { _ in
            ChunkAggregator(
                sourcePaths: sources.map(\.name), windowMillis: options.windowMillis, lineCap: options.effectiveLineCap,
                accessFormat: options.accessFormat, principalCapacity: options.principalCapacity,
                windowBudget: options.windowBudget,
                signatures: options.signatures, futureLimitMillis: options.futureLimitMillis,
                backwardToleranceMillis: options.backwardToleranceMillis,
                profileWindowMillis: options.profileWindowMillis, profileBudget: options.profileBudget,
                abuseBudget: options.abuseBudget,
                pseudonymizer: options.pseudonymizationKey.flatMap { try? Pseudonymizer(key: $0) },
                fieldMapping: options.fieldMapping)
        }
        let ledger = Mutex(TimeOrderLedger(toleranceMillis: options.backwardToleranceMillis))
        let reader = SourceReader(
            chunkSize: options.chunkSize, lineCap: options.effectiveLineCap, forcedFormat: options.inputFormat)
        let boxes = aggregators.map(UncheckedBox.init)
        let finished = Mutex([AnalysisSummary?](repeating: nil, count: options.threads))
        DispatchQueue.concurrentPerform(iterations: options.threads) { worker in
            // Each iteration touches only its own aggregator; a worker that runs out of work
            // resolves its names while the others are still parsing.
            let aggregator = boxes[worker].value
            workerLoop(aggregator: aggregator, scheduler: scheduler, sources: sources, reader: reader, ledger: ledger)
            let result = aggregator.finish()
            finished.withLock { $0[worker] = result }
        }
        var summary = AnalysisSummary(
            windowMillis: options.windowMillis, sources: sources.map { SourceStatistics(path: $0.name) },
            principalCapacity: options.principalCapacity)
        summary.profiles = ModelProfiles(windowMillis: options.profileWindowMillis ?? ModelProfiles.defaultWindowMillis)
        // Taken out of the lock, so the lock keeps no second reference to copy on write.
        let results = finished.withLock { held in
            defer { held = [] }
            return held
        }
        for result in results {
            if let result { summary.merge(result) }
        }
        for (source, order) in ledger.withLock({ $0.result() }) { summary.sources[source].timeOrder = order }
        summary.coarsen(toFit: options.windowBudget)
        return summary
    }

    private func workerLoop(
        aggregator: ChunkAggregator, scheduler: WorkQueue, sources: [InputSource], reader: SourceReader,
        ledger: borrowing Mutex<TimeOrderLedger>
    ) {
        /// Parses a chunk and hands its time-order segment to the ledger (one lock a chunk).
        func parse(_ chunk: inout LineChunk, format: LogFormat) {
            linesParsed.add(aggregator.process(&chunk, format: format), ordering: .relaxed)
            let segment = aggregator.lastSegment
            ledger.withLock { $0.add(segment) }
        }
        while true {
            switch scheduler.next() {
            case .chunk(var chunk, let format):
                parse(&chunk, format: format)
            case .file(let index):
                let outcome = reader.read(
                    sources[index], index: index,
                    progress: { self.bytesRead.add($0, ordering: .relaxed) },
                    emit: { chunk, format in
                        if !scheduler.offer(chunk, format: format) { parse(&chunk, format: format) }
                    })
                aggregator.noteReader(outcome.statistics, for: index)
                aggregator.noteDroppedLines(outcome.droppedLines, firstOffset: outcome.firstDroppedOffset, for: index)
                scheduler.finishedFile()
            case .done:
                return
            }
        }
    }
}

/// Carries a non-Sendable worker state into its own `concurrentPerform` iteration.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
}

/// The shared queue of the batch pipeline: chunks waiting for a parser and files waiting for a
/// reader, behind one lock. Chunks move through it by value, so no chunk is shared.
final class WorkQueue: @unchecked Sendable {
    enum Work {
        case chunk(LineChunk, LogFormat)
        case file(Int)
        case done
    }

    private let condition = NSCondition()
    private var chunks: [(LineChunk, LogFormat)] = []
    private var head = 0
    private let capacity: Int
    private let fileCount: Int
    private var nextFile = 0
    private var activeReaders = 0

    init(capacity: Int, fileCount: Int) {
        self.capacity = max(1, capacity)
        self.fileCount = fileCount
    }

    /// Queues a chunk for another worker; false when the queue is full (parse it yourself).
    func offer(_ chunk: LineChunk, format: LogFormat) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard chunks.count - head < capacity else { return false }
        chunks.append((chunk, format))
        condition.signal()
        return true
    }

    func finishedFile() {
        condition.lock()
        activeReaders -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next piece of work: a waiting chunk first, then an unread file; blocks while readers
    /// are still producing and there is nothing to do.
    func next() -> Work {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if head < chunks.count {
                let item = chunks[head]
                chunks[head].0.bytes = []
                head += 1
                if head == chunks.count || head > 64 {
                    chunks.removeFirst(head)
                    head = 0
                }
                return .chunk(item.0, item.1)
            }
            if nextFile < fileCount {
                nextFile += 1
                activeReaders += 1
                return .file(nextFile - 1)
            }
            if activeReaders == 0 { return .done }
            condition.wait()
        }
    }
}
