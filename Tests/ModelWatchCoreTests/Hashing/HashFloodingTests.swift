import Foundation
import Testing

@testable import ModelWatchCore

/// Keys chosen so that their public, stable hash shares its low bits (issue 15: 3,000 API keys
/// sharing 16 low bits made a log take 3 x as long) cost what random keys cost, because tables
/// place keys by the hash re-mixed with a per-process seed.
@Suite struct HashFloodingTests {
    /// Keys `k-<n>` whose stable hash has the same low `bits` bits, found by trying n = 0, 1, ...
    static func craftedKeys(count: Int, bits: Int) -> [String] {
        let mask = UInt64(1) << UInt64(bits) - 1
        var keys: [String] = []
        var candidate = 0
        while keys.count < count {
            let key = "k-\(candidate)"
            if ByteHashing.hash(key) & mask == 0 { keys.append(key) }
            candidate += 1
        }
        return keys
    }

    /// Total buckets visited looking up every key of `keys` in a table holding them all.
    static func totalProbes(_ keys: [String]) -> Int {
        var table = ByteKeyTable(expectedCount: keys.count)
        for key in keys {
            var copy = key
            copy.withUTF8 { _ = table.insert(UnsafeRawBufferPointer($0), hash: ByteHashing.hash(key)) }
        }
        return keys.reduce(0) { $0 + table.probeLength(hash: ByteHashing.hash($1)) }
    }

    @Test func craftedCollidingKeysProbeNoLongerThanRandomOnes() {
        // 600 keys in a table of 2,048 buckets: sharing 11 low bits would put every crafted key
        // in one bucket's cluster under unseeded placement (about count² / 2 probes in all).
        let crafted = Self.craftedKeys(count: 600, bits: 11)
        let random = (0..<600).map { "k-\($0 * 7919 + 13)" }
        let craftedProbes = Self.totalProbes(crafted)
        let randomProbes = Self.totalProbes(random)
        #expect(Double(craftedProbes) <= 1.5 * Double(randomProbes), "crafted \(craftedProbes), random \(randomProbes)")
        // The attack is real: placed by the stable hash alone, they would all share a home bucket.
        #expect(Set(crafted.map { ByteHashing.hash($0) & 2047 }).count == 1)
    }

    @Test func placementDependsOnTheSeedButHashesDoNot() {
        // The stable hash is fixed (ids and saved state depend on it): FNV-1a 64 of "a", mixed.
        #expect(ByteHashing.hash("a") == ByteHashing.mix(0xaf63_dc4c_8601_ec8c))
        #expect(ByteHashing.placement(1) == Int(truncatingIfNeeded: ByteHashing.mix(1 ^ ByteHashing.placementSeed)))
    }

    @Test func theDoorkeeperCannotBeToldAKeyWasSeenByAnother() {
        // Hashes that agree in the two 23-bit fields an unseeded doorkeeper reads (bits 0-22 and
        // 32-54) but differ elsewhere: unseeded, the second would pass as seen on its first
        // sighting. Seeded, 200 such pairs pass no more often than chance (about 6% at most).
        var doorkeeper = Doorkeeper()
        var falselySeen = 0
        for index in 0..<200 {
            let shared = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 & 0x007F_FFFF_007F_FFFF
            _ = doorkeeper.admit(shared | 0x8000_0000_0000_0000)
            if doorkeeper.admit(shared | 0x0100_0000_0080_0000) { falselySeen += 1 }
        }
        #expect(falselySeen <= 12, "\(falselySeen) of 200")
        // A key really seen before is still admitted.
        #expect(doorkeeper.admit(12345) == false)
        #expect(doorkeeper.admit(12345) == true)
    }
}
