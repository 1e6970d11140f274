/// Decodes a gzip byte stream of one or more members (as `cat a.gz b.gz` or pigz write them),
/// one input block at a time, and tells where the stream ended well or broke.
///
/// The inflater (ISA-L or zlib, `InflateBackend`) stops at the end of each member; this reader
/// checks that the next bytes start another member (magic `1f 8b`) and starts the inflater on
/// it, so a multi-member file decodes as one byte stream, the way `zcat` prints it.
///
/// - Complexity: O(n) in the compressed input; memory is the inflater's 32 KiB window plus its
///   state.
public final class GzipMemberReader {
    /// How a gzip stream ended, from the decoder's point of view.
    public enum Ending: Equatable, Sendable {
        /// Every member ended with its trailer and nothing followed.
        case complete
        /// The input ended inside a member: what was decoded is kept, the rest is lost.
        case truncated
        /// zlib rejected the data (bad header, bad block, bad checksum).
        case corrupt(ZlibError)
        /// A member ended and the bytes after it are not a gzip member.
        case trailingGarbage
    }

    /// The backend decoding this stream's members.
    public let backend: InflateBackend
    private let inflater: any MemberInflater
    /// Compressed bytes decoded so far (magic bytes between members included once fed).
    public private(set) var compressedOffset: Int = 0
    /// Members begun so far.
    public private(set) var memberCount: Int = 0
    /// Set once the stream has ended (cleanly or not); later input is counted, not decoded.
    public private(set) var ending: Ending?
    private var insideMember = false
    private var pendingMagic: [UInt8] = []

    public init(backend: InflateBackend = .preferred) throws(ZlibError) {
        self.backend = backend
        switch backend {
        case .isal: inflater = try IsalMemberInflater()
        case .zlib: inflater = try ZlibMemberInflater()
        }
    }

    /// Feeds one block of compressed input and hands each block of decoded output to `emit`.
    ///
    /// `emit` receives a buffer valid only for the duration of the call. Input after the stream
    /// has ended (corrupt data, or bytes after the last member that are not a member) is not
    /// decoded; `compressedOffset` stays where decoding stopped, so the caller can report the
    /// bytes lost as `bytesRead - compressedOffset`.
    /// - Parameter output: scratch space for decoded bytes; its size sets the emitted block size.
    public func decode(
        _ input: UnsafeRawBufferPointer,
        output: UnsafeMutableRawBufferPointer,
        emit: (UnsafeRawBufferPointer) -> Void
    ) {
        var position = 0
        while position < input.count && ending == nil {
            if insideMember {
                position += feedMember(UnsafeRawBufferPointer(rebasing: input[position...]), output: output, emit: emit)
                continue
            }
            // Between members: the next two bytes must be the gzip magic number. They may
            // straddle two input blocks, so collect them first.
            while pendingMagic.count < 2 && position < input.count {
                pendingMagic.append(input[position])
                position += 1
            }
            guard pendingMagic.count == 2 else { return }
            guard pendingMagic[0] == 0x1f && pendingMagic[1] == 0x8b else {
                ending = .trailingGarbage
                return
            }
            insideMember = true
            memberCount += 1
            let magic = pendingMagic
            pendingMagic.removeAll(keepingCapacity: true)
            magic.withUnsafeBytes { _ = feedMember($0, output: output, emit: emit) }
        }
    }

    /// Tells the reader that the input ended, and returns how the stream ended.
    public func finish() -> Ending {
        if let ending { return ending }
        let result: Ending
        if insideMember {
            result = .truncated
        } else if !pendingMagic.isEmpty {
            result = .trailingGarbage
        } else {
            result = .complete
        }
        ending = result
        return result
    }

    /// Runs the inflater over `input` inside the current member; returns the bytes consumed.
    private func feedMember(
        _ input: UnsafeRawBufferPointer,
        output: UnsafeMutableRawBufferPointer,
        emit: (UnsafeRawBufferPointer) -> Void
    ) -> Int {
        let step = inflater.feed(input, output: output, emit: emit)
        switch step.outcome {
        case .continuing: break
        case .memberEnded: insideMember = false
        case .failed(let error): ending = .corrupt(error)
        }
        compressedOffset += step.consumed
        return step.consumed
    }
}
