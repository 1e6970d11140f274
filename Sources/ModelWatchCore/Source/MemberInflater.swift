#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which inflate implementation decodes gzip members.
///
/// Both decode the same bytes and report the same endings (`GzipMemberReader.Ending`); they
/// differ in speed. ISA-L's `isal_inflate` (Intel ISA-L 2.30, Debian `libisal-dev`) measured
/// 3.4 x zlib's inflate on JSON lines on the project's machine (issue 13); zlib is the
/// reference the tests compare ISA-L against, and the fallback (`MODELWATCH_INFLATE=zlib`).
public enum InflateBackend: String, Sendable, CaseIterable {
    case isal
    case zlib

    /// The backend `SourceReader` uses: ISA-L, unless the environment variable
    /// `MODELWATCH_INFLATE` names `zlib` (to rule the decoder out when a file decodes oddly).
    public static let preferred: InflateBackend = {
        guard let name = getenv("MODELWATCH_INFLATE").map({ String(cString: $0) }) else { return .isal }
        return InflateBackend(rawValue: name) ?? .isal
    }()
}

/// What one call of `MemberInflater.feed` did to the current member.
struct MemberStep {
    enum Outcome {
        /// Every byte given was used (or the output was full); the member goes on.
        case continuing
        /// The member's trailer was read and verified; bytes after `consumed` belong to what follows.
        case memberEnded
        /// The member is corrupt.
        case failed(ZlibError)
    }

    /// Compressed bytes used from the input.
    var consumed: Int
    var outcome: Outcome
}

/// Decodes one gzip member at a time (header, deflate data, CRC-32 and ISIZE trailer); the
/// caller, `GzipMemberReader`, finds where members start and what lies between them.
protocol MemberInflater: AnyObject {
    /// Decodes from `input` inside the current member, handing each block of decoded bytes to
    /// `emit`, until the input is used up, the member ends, or it fails. After `memberEnded` the
    /// next call starts a new member (its magic bytes included).
    func feed(
        _ input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer,
        emit: (UnsafeRawBufferPointer) -> Void
    ) -> MemberStep
}
