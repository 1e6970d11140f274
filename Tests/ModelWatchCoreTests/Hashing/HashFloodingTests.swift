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
}
