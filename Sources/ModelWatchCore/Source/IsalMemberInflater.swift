import CIsal
import CZlib

/// Intel ISA-L's `isal_inflate` (2.30): the fast backend (3.4 x zlib on JSON lines here).
///
/// The decoder state lives behind the C shim in `Sources/CIsal/shim.h`, which parses each
/// member's header with `isal_read_gzip_header` and inflates the body with
/// `ISAL_GZIP_NO_HDR_VER` (raw deflate, then the trailer's CRC-32 and ISIZE verified): ISA-L
/// 2.30 mis-parses a header split across calls with `ISAL_GZIP`. A member whose input ends
/// before ISA-L reached `ISAL_BLOCK_FINISH` is truncated (`GzipMemberReader.finish`).
///
/// ISA-L's faults are reported as zlib's `Z_DATA_ERROR` with a message naming ISA-L's code, so
/// the endings, their state encoding and the integrity events stay what they were with zlib.
final class IsalMemberInflater: MemberInflater {
    /// The shim's `modelwatch_isal` (inflate state and gzip header), owned by this object.
    private let decoder: UnsafeMutableRawPointer

    init() throws(ZlibError) {
        guard let decoder = modelwatch_isal_create() else {
            throw ZlibError(code: Z_MEM_ERROR, zlibMessage: "cannot allocate the ISA-L inflate state")
        }
        self.decoder = decoder
    }

    deinit { modelwatch_isal_destroy(decoder) }

    func feed(
        _ input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
        emit: (UnsafeRawBufferPointer) -> Void
    ) -> MemberStep {
        guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else {
            return MemberStep(consumed: 0, outcome: .continuing)
        }
        // ISA-L counts in UInt32; the reader's blocks are far smaller, but a caller's huge buffer
        // is fed in pieces rather than cut short.
        let outputSize = UInt32(min(output.count, Int(UInt32.max)))
        var position = 0
        var step = modelwatch_isal_step()
        while true {
            let remaining = UInt32(min(input.count - position, Int(UInt32.max)))
            // Safe: the shim reads at most `remaining` bytes from the input and writes at most
            // `outputSize` bytes to the output, and clears both pointers before it returns.
            let code = modelwatch_isal_feed(
                decoder, inputBase.advanced(by: position).assumingMemoryBound(to: UInt8.self), remaining,
                outputBase.assumingMemoryBound(to: UInt8.self), outputSize, &step)
            position += Int(step.consumed)
            if step.produced > 0 { emit(UnsafeRawBufferPointer(start: outputBase, count: Int(step.produced))) }
            if code != ISAL_DECOMP_OK {
                return MemberStep(consumed: position, outcome: .failed(Self.error(code)))
            }
            if step.member_finished != 0 {
                modelwatch_isal_next_member(decoder)
                return MemberStep(consumed: position, outcome: .memberEnded)
            }
            // Go on while ISA-L filled the whole output (it may hold more) or input is left.
            if step.produced < outputSize && position == input.count { break }
            if step.consumed == 0 && step.produced == 0 { break }
        }
        return MemberStep(consumed: position, outcome: .continuing)
    }

    /// zlib's wording where it names the same fault, so events read alike whichever decoded.
    static func error(_ code: Int32) -> ZlibError {
        let message: String
        switch code {
        case ISAL_INVALID_BLOCK: message = "invalid deflate block (ISA-L ISAL_INVALID_BLOCK)"
        case ISAL_INVALID_SYMBOL: message = "invalid literal/length or distance code (ISA-L ISAL_INVALID_SYMBOL)"
        case ISAL_INVALID_LOOKBACK: message = "invalid distance too far back (ISA-L ISAL_INVALID_LOOKBACK)"
        case ISAL_INVALID_WRAPPER: message = "invalid gzip header (ISA-L ISAL_INVALID_WRAPPER)"
        case ISAL_UNSUPPORTED_METHOD: message = "unknown compression method (ISA-L ISAL_UNSUPPORTED_METHOD)"
        case ISAL_INCORRECT_CHECKSUM: message = "incorrect data or length check (ISA-L ISAL_INCORRECT_CHECKSUM)"
        default: message = "ISA-L inflate error \(code)"
        }
        return ZlibError(code: Z_DATA_ERROR, zlibMessage: message)
    }
}
