import CZlib

/// A failure reported by zlib's `inflate`, with the zlib return code it came from.
///
/// The codes are zlib's own (`zlib.h`): `Z_DATA_ERROR` (-3) for a corrupt deflate stream or a
/// bad header check, `Z_MEM_ERROR` (-4) when zlib could not allocate, `Z_STREAM_ERROR` (-2) for
/// an inconsistent stream state, `Z_BUF_ERROR` (-5) when no progress was possible.
public struct ZlibError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The raw return code of the zlib call.
    public let code: Int32
    /// zlib's own message (`z_stream.msg`), when it gave one.
    public let zlibMessage: String?

    public var description: String {
        let name: String
        switch code {
        case Z_DATA_ERROR: name = "corrupt deflate data (Z_DATA_ERROR)"
        case Z_MEM_ERROR: name = "out of memory (Z_MEM_ERROR)"
        case Z_STREAM_ERROR: name = "inconsistent stream state (Z_STREAM_ERROR)"
        case Z_BUF_ERROR: name = "no progress possible (Z_BUF_ERROR)"
        case Z_VERSION_ERROR: name = "zlib version mismatch (Z_VERSION_ERROR)"
        default: name = "zlib error \(code)"
        }
        if let zlibMessage { return "\(name): \(zlibMessage)" }
        return name
    }
}
