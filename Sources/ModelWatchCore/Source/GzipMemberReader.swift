import CZlib

/// Decodes a gzip byte stream of one or more members (as `cat a.gz b.gz` or pigz write them),
/// one input block at a time, and tells where the stream ended well or broke.
///
/// zlib stops at the end of each member (`Z_STREAM_END`); this reader checks that the next bytes
/// start another member (magic `1f 8b`) and resets the stream with `inflateReset`, as zlib's
/// manual allows, so a multi-member file decodes as one byte stream, the way `zcat` prints it.
///
/// The `z_stream` lives in heap memory owned by this class: a pointer made from `&stream` would
/// be valid for one call only, and zlib keeps a pointer back to the stream in its state.
///
/// - Complexity: O(n) in the compressed input; memory is zlib's 32 KiB window plus the state.
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

    private let stream: UnsafeMutablePointer<z_stream>
    /// Compressed bytes decoded so far (magic bytes between members included once fed).
    public private(set) var compressedOffset: Int = 0
    /// Members begun so far.
    public private(set) var memberCount: Int = 0
    /// Set once the stream has ended (cleanly or not); later input is counted, not decoded.
    public private(set) var ending: Ending?
    private var insideMember = false
    private var pendingMagic: [UInt8] = []

    public init() throws(ZlibError) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: a 32 KiB window, gzip wrapper only (zlib.h, inflateInit2).
        let code = modelwatch_inflateInit2(stream, 15 + 16)
        guard code == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ZlibError(code: code, zlibMessage: nil)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
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

    /// Runs `inflate` over `input` inside the current member; returns the bytes consumed.
    private func feedMember(
        _ input: UnsafeRawBufferPointer,
        output: UnsafeMutableRawBufferPointer,
        emit: (UnsafeRawBufferPointer) -> Void
    ) -> Int {
        guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else { return 0 }
        // Safe: zlib reads at most `avail_in` bytes from `next_in` and writes at most `avail_out`
        // bytes to `next_out`; both pointers are cleared before this function returns, so zlib
        // never holds them past the lifetime of the caller's buffers.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: inputBase.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        decoding: while true {
            stream.pointee.next_out = outputBase.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(output.count)
            let code = inflate(stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { emit(UnsafeRawBufferPointer(start: outputBase, count: produced)) }
            switch code {
            case Z_STREAM_END:
                insideMember = false
                inflateReset(stream)
                break decoding
            case Z_OK:
                // Stop when zlib wants more input; go on while it still has output to give.
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break decoding }
            case Z_BUF_ERROR:
                break decoding
            default:
                ending = .corrupt(ZlibError(code: code, zlibMessage: stream.pointee.msg.map { String(cString: $0) }))
                break decoding
            }
        }
        let consumed = input.count - Int(stream.pointee.avail_in)
        compressedOffset += consumed
        return consumed
    }
}
