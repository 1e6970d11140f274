#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension UnsafeRawBufferPointer {
    /// True when these bytes are exactly `literal`'s UTF-8: how parsers recognise field names
    /// without making a `String` per line.
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == count else { return false }
        guard let base = baseAddress else { return count == 0 }
        return memcmp(literal.utf8Start, base, count) == 0
    }
}
