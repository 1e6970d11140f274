import CZlib

/// zlib's `inflate` with the gzip wrapper (window bits 15 + 16): it parses the header, inflates
/// and checks the trailer's CRC-32 and ISIZE itself (`incorrect data check`, `incorrect length
/// check`). The reference implementation: the tests run every gzip case through it and ISA-L.
///
/// The `z_stream` lives in heap memory owned by this class: a pointer made from `&stream` would
/// be valid for one call only, and zlib keeps a pointer back to the stream in its state.
final class ZlibMemberInflater: MemberInflater {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(ZlibError) {
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

    func feed(
        _ input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
        emit: (UnsafeRawBufferPointer) -> Void
    ) -> MemberStep {
        guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else {
            return MemberStep(consumed: 0, outcome: .continuing)
        }
        // Safe: zlib reads at most `avail_in` bytes from `next_in` and writes at most `avail_out`
        // bytes to `next_out`; both pointers are cleared before this function returns, so zlib
        // never holds them past the lifetime of the caller's buffers.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: inputBase.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        var outcome = MemberStep.Outcome.continuing
        decoding: while true {
            stream.pointee.next_out = outputBase.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(output.count)
            let code = inflate(stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { emit(UnsafeRawBufferPointer(start: outputBase, count: produced)) }
            switch code {
            case Z_STREAM_END:
                outcome = .memberEnded
                inflateReset(stream)
                break decoding
            case Z_OK:
                // Stop when zlib wants more input; go on while it still has output to give.
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break decoding }
            case Z_BUF_ERROR:
                break decoding
            default:
                outcome = .failed(ZlibError(code: code, zlibMessage: stream.pointee.msg.map { String(cString: $0) }))
                break decoding
            }
        }
        return MemberStep(consumed: input.count - Int(stream.pointee.avail_in), outcome: outcome)
    }
}
