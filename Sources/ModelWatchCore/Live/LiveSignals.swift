import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT, SIGTERM and SIGHUP as flags the `live` loop polls on each turn, through Dispatch
/// signal sources (the default action is ignored first, so the signal only reaches the source).
/// SIGPIPE is ignored, so a closed pipe is a write error the loop reports instead of a silent
/// death.
/// `@unchecked Sendable`: the flags are atomics; `sources` is written once, by `install`, on the
/// thread that owns the loop, and only kept so the sources live as long as this object.
public final class LiveSignals: @unchecked Sendable {
    private let stopRequested = Atomic<Int32>(0)
    private let reopenRequested = Atomic<Bool>(false)
    private var sources: [any DispatchSourceSignal] = []

    public init() {}

    /// Installs the handlers.
    public func install() {
        signal(SIGPIPE, SIG_IGN)
        var installed: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: DispatchQueue.global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if number == SIGHUP {
                    self.reopenRequested.store(true, ordering: .sequentiallyConsistent)
                } else {
                    self.stopRequested.store(number, ordering: .sequentiallyConsistent)
                }
            }
            source.resume()
            installed.append(source)
        }
        sources = installed
    }

    /// The signal that asked the run to stop (SIGINT or SIGTERM), or nil.
    public var stopSignal: Int32? {
        let value = stopRequested.load(ordering: .sequentiallyConsistent)
        return value == 0 ? nil : value
    }

    /// Asks the run to stop as a signal would (tests, end of input).
    public func requestStop() { stopRequested.store(SIGTERM, ordering: .sequentiallyConsistent) }

    /// Whether SIGHUP arrived since the last call (the flag is cleared).
    public func takeReopenRequest() -> Bool {
        reopenRequested.exchange(false, ordering: .sequentiallyConsistent)
    }
}
