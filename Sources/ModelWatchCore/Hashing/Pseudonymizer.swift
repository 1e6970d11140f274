import Crypto

/// Replaces client keys and addresses with keyed tokens (`--pseudonymize KEYFILE`), so no output
/// names a person's key or address (GDPR Art. 4(5) pseudonymisation; UAE PDPL) while the same
/// key or address gets the same token in every run with the same key file, and incidents still
/// correlate across nights.
///
/// Tokens are HMAC-SHA256 (RFC 2104 over FIPS 180-4, from swift-crypto) of the value under the
/// secret key, truncated to 64 bits written in hex: `p-0123456789abcdef` for a client. An address
/// keeps the shape the abuse checks read its network from (up to the third dot): its /24 (IPv4)
/// or /48 (IPv6) is tokenised on its own, so addresses of one network share a token prefix:
/// `n-1a2b.3c4d.5e6f.0123456789abcdef`. Without the key the tokens cannot be reversed or
/// recomputed; whoever holds the key can recompute a token from a known value (that is the
/// point: an analyst can look one key up).
///
/// Not thread-safe by design (a token cache per worker), like `ChunkAggregator` that owns one.
public struct Pseudonymizer {
    /// The smallest key accepted: 128 bits (NIST SP 800-107 §5.3.4 asks an HMAC key of at least
    /// the security strength wanted).
    public static let minimumKeyBytes = 16
    /// Tokens kept per worker so a busy key is hashed once, not once per record; the cache
    /// starts over when full, which costs only recomputation.
    static let cacheCapacity = 1 << 16

    private let key: SymmetricKey
    private var cache: [UInt64: (value: [UInt8], token: [UInt8])] = [:]

    public struct KeyTooShort: Error, CustomStringConvertible {
        public let count: Int
        public var description: String {
            "the pseudonymisation key has \(count) bytes; give at least \(Pseudonymizer.minimumKeyBytes) random bytes (for example `head -c 32 /dev/urandom > key`)"
        }
    }

    public init(key: [UInt8]) throws(KeyTooShort) {
        guard key.count >= Self.minimumKeyBytes else { throw KeyTooShort(count: key.count) }
        self.key = SymmetricKey(data: key)
    }

    /// The token of a client key.
    public mutating func clientToken(_ value: UnsafeRawBufferPointer) -> [UInt8] {
        let hash = ByteHashing.hash(value) ^ 0x63
        if let hit = cached(hash, value) { return hit }
        return store(hash, value, Array("p-".utf8) + hex(mac("client", value), bytes: 8))
    }

    /// The token of an address, its network part tokenised on its own.
    public mutating func addressToken(_ value: UnsafeRawBufferPointer) -> [UInt8] {
        let hash = ByteHashing.hash(value) ^ 0x61
        if let hit = cached(hash, value) { return hit }
        let networkMAC = hex(mac("network", Self.networkPrefix(value)), bytes: 6)
        var token = Array("n-".utf8)
        token += networkMAC[0..<4] + [UInt8(ascii: ".")] + networkMAC[4..<8] + [UInt8(ascii: ".")]
        token += networkMAC[8..<12] + [UInt8(ascii: ".")]
        return store(hash, value, token + hex(mac("address", value), bytes: 8))
    }

    /// A token for a text (`String` in, `String` out), for values that arrive outside the records.
    public mutating func clientToken(_ value: String) -> String {
        String(decoding: Array(value.utf8).withUnsafeBytes { clientToken($0) }, as: UTF8.self)
    }

    /// The token cached for `value` (its hash salted per kind), checked against the value itself.
    private func cached(_ hash: UInt64, _ value: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let hit = cache[hash], hit.value.elementsEqual(value) else { return nil }
        return hit.token
    }

    private mutating func store(_ hash: UInt64, _ value: UnsafeRawBufferPointer, _ token: [UInt8]) -> [UInt8] {
        if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
        cache[hash] = (Array(value), token)
        return token
    }

    /// HMAC-SHA256 of a domain label and the value, so a client and an address that are the same
    /// text still get unrelated tokens.
    private func mac(_ domain: StaticString, _ value: UnsafeRawBufferPointer) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: UnsafeRawBufferPointer(start: domain.utf8Start, count: domain.utf8CodeUnitCount))
        hmac.update(data: [0])
        hmac.update(data: value)
        return Array(hmac.finalize())
    }

    private func hex(_ bytes: [UInt8], bytes count: Int) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in bytes.prefix(count) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    /// The /24 of an IPv4 address or the /48 of an IPv6 one, as `ClientActivityRecorder` reads
    /// them (up to the third separator); the whole value when it has fewer.
    static func networkPrefix(_ address: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let separator = address.contains(UInt8(ascii: ":")) ? UInt8(ascii: ":") : UInt8(ascii: ".")
        var separators = 0
        for index in 0..<address.count where address[index] == separator {
            separators += 1
            if separators == 3 { return UnsafeRawBufferPointer(rebasing: address[0..<index]) }
        }
        return address
    }
}
