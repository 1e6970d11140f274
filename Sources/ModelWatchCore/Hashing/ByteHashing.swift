/// 64-bit hashing of byte strings, stable across runs and machines (unlike Swift's seeded
/// `Hasher`), so sketches built in different processes can be merged and event ids repeat.
public enum ByteHashing {
    /// FNV-1a 64 (Fowler, Noll, Vo; http://www.isthe.com/chongo/tech/comp/fnv/) followed by the
    /// 64-bit finaliser of MurmurHash3 (Appleby) so that every output bit depends on every input
    /// bit, as HyperLogLog needs.
    @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return mix(hash)
    }

    public static func hash(_ text: String) -> UInt64 {
        var copy = text
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// Drawn once per process from the system's random source; it decides only where a key sits
    /// in a table, never a result (every table is looked up by full key, in any order).
    public static let placementSeed = UInt64.random(in: .min ... .max)

    /// Where a key with stable hash `hash` is placed in a table: the hash re-mixed with
    /// ``placementSeed``. Keys that share low bits of their stable hash are scattered, so crafted
    /// keys cost what random keys cost. (A crafted full 64-bit collision of the stable hash
    /// would still collide; finding one takes about 2^32 hash evaluations per pair.)
    @inline(__always)
    public static func placement(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: seeded(hash))
    }

    /// The stable hash re-mixed with ``placementSeed``: the bits any per-run decision about an
    /// attacker-written key reads (table placement, the abuse doorkeeper), so nobody can choose
    /// keys that agree in them.
    @inline(__always)
    public static func seeded(_ hash: UInt64) -> UInt64 {
        mix(hash ^ placementSeed)
    }

    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var key = value
        key ^= key >> 33
        key = key &* 0xff51_afd7_ed55_8ccd
        key ^= key >> 33
        key = key &* 0xc4ce_b9fe_1a85_ec53
        key ^= key >> 33
        return key
    }
}

/// An open-addressing table from byte strings to dense integer slots, looked up straight from
/// the bytes of a line, so a lookup of a key already present allocates nothing.
///
/// Keys are placed by ``ByteHashing/placement(_:)``, the stable hash re-mixed with a per-process
/// random seed: the stable hash is public, so keys an attacker writes into a log (API keys and
/// user names are logged even on a 401) could otherwise be chosen to share their low bits and
/// turn every probe into a scan of one cluster (hash flooding). The stable hash is still what
/// ids, samples and saved state use.
///
/// Slots are never reused except through `replaceKey`, which the heavy-hitter sketch uses to
/// evict its smallest entry. Linear probing with backward-shift deletion keeps probes short
/// without tombstones.
/// - Complexity: expected O(key length) per lookup.
struct ByteKeyTable {
    private(set) var keys: [[UInt8]] = []
    private var hashes: [UInt64] = []
    /// Slot index + 1 per bucket; 0 marks an empty bucket.
    private var buckets: [Int32]
    private var mask: Int

    init(expectedCount: Int = 16) {
        var size = 16
        while size < expectedCount * 2 { size <<= 1 }
        buckets = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { keys.count }

    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int? {
        var bucket = ByteHashing.placement(hash) & mask
        while true {
            let entry = Int(buckets[bucket])
            if entry == 0 { return nil }
            let slot = entry - 1
            if hashes[slot] == hash && Self.equal(keys[slot], key) { return slot }
            bucket = (bucket + 1) & mask
        }
    }

    /// Buckets a lookup of `hash` visits before it finds its key or an empty bucket: the cost
    /// hash flooding inflates (tests compare crafted keys with random ones by it).
    func probeLength(hash: UInt64) -> Int {
        var bucket = ByteHashing.placement(hash) & mask
        var visited = 1
        while buckets[bucket] != 0 && hashes[Int(buckets[bucket]) - 1] != hash {
            bucket = (bucket + 1) & mask
            visited += 1
        }
        return visited
    }

    /// Adds a key known to be absent; returns its new slot.
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        if (keys.count + 1) * 2 > buckets.count { grow() }
        let slot = keys.count
        keys.append(Array(key))
        hashes.append(hash)
        placeInBucket(slot: slot, hash: hash)
        return slot
    }

    /// Gives `slot` a new key, removing the old one from the index.
    mutating func replaceKey(slot: Int, with key: UnsafeRawBufferPointer, hash: UInt64) {
        removeFromIndex(slot: slot)
        keys[slot] = Array(key)
        hashes[slot] = hash
        placeInBucket(slot: slot, hash: hash)
    }

    private mutating func placeInBucket(slot: Int, hash: UInt64) {
        var bucket = ByteHashing.placement(hash) & mask
        while buckets[bucket] != 0 { bucket = (bucket + 1) & mask }
        buckets[bucket] = Int32(slot + 1)
    }

    private mutating func removeFromIndex(slot: Int) {
        var bucket = ByteHashing.placement(hashes[slot]) & mask
        while Int(buckets[bucket]) != slot + 1 { bucket = (bucket + 1) & mask }
        // Backward-shift deletion (Knuth, TAOCP vol. 3, algorithm R).
        var hole = bucket
        var next = (hole + 1) & mask
        while buckets[next] != 0 {
            let home = ByteHashing.placement(hashes[Int(buckets[next]) - 1]) & mask
            let distanceFromHome = (next - home) & mask
            let distanceToHole = (next - hole) & mask
            if distanceFromHome >= distanceToHole {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        buckets[hole] = 0
    }

    private mutating func grow() {
        buckets = [Int32](repeating: 0, count: buckets.count * 2)
        mask = buckets.count - 1
        for slot in keys.indices { placeInBucket(slot: slot, hash: hashes[slot]) }
    }

    @inline(__always)
    static func equal(_ stored: [UInt8], _ key: UnsafeRawBufferPointer) -> Bool {
        guard stored.count == key.count else { return false }
        return stored.withUnsafeBytes { storedBytes in
            for index in 0..<key.count where storedBytes[index] != key[index] { return false }
            return true
        }
    }
}

/// Interns the low-cardinality names of a worker (models, versions, hosts, ...) as small
/// integers, up to a cap; names past the cap all map to `overflowSymbol` ("(other)").
struct SymbolTable {
    private var table = ByteKeyTable()
    let capacity: Int
    /// Symbol 0 is "absent"; symbol 1 is "(other)".
    static let absentSymbol: Int32 = 0
    static let overflowSymbol: Int32 = 1

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The last few symbols handed out: a record names the same few models, versions and hosts
    /// as the records around it, and comparing a short name with a handful of stored ones costs
    /// less than hashing it.
    private var recent: [Int32] = []
    private var nextRecent = 0
    static let recentLimit = 8

    mutating func symbol(for bytes: UnsafeRawBufferPointer) -> Int32 {
        for symbol in recent where ByteKeyTable.equal(table.keys[Int(symbol) - 2], bytes) { return symbol }
        let hash = ByteHashing.hash(bytes)
        let symbol: Int32
        if let slot = table.find(bytes, hash: hash) {
            symbol = Int32(slot + 2)
        } else {
            guard table.count < capacity else { return Self.overflowSymbol }
            symbol = Int32(table.insert(bytes, hash: hash) + 2)
        }
        if recent.count < Self.recentLimit {
            recent.append(symbol)
        } else {
            recent[nextRecent] = symbol
            nextRecent = (nextRecent + 1) % Self.recentLimit
        }
        return symbol
    }

    func name(of symbol: Int32) -> String? {
        switch symbol {
        case Self.absentSymbol: nil
        case Self.overflowSymbol: "(other)"
        default: String(decoding: table.keys[Int(symbol) - 2], as: UTF8.self)
        }
    }
}
