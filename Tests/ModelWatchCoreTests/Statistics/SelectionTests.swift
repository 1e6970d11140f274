import Testing

@testable import ModelWatchCore

/// `RobustStatistics.element(ofRank:in:)` against the oracle `sorted()[rank]`.
@Suite struct SelectionTests {
    @Test func everyRankOfRandomArraysMatchesTheSortedOrder() {
        var generator = SplitMix64(seed: 29)
        for round in 0..<300 {
            let count = 1 + Int(generator.next() % 200)
            // Few distinct values in some rounds (many ties), many in others.
            let spread = round % 3 == 0 ? 4 : 1_000_000
            let values = (0..<count).map { _ in Float(Int(generator.next() % UInt64(spread))) / 7 }
            let sorted = values.sorted()
            for rank in Set([0, count / 2, count - 1, Int(generator.next() % UInt64(count))]) {
                var scratch = values
                #expect(
                    RobustStatistics.element(ofRank: rank, in: &scratch) == sorted[rank], "round \(round) rank \(rank)")
                #expect(scratch.sorted() == sorted, "the values are only reordered")
            }
        }
    }

    /// Inputs that defeat a median-of-three pivot still give the right element (the sort fallback).
    @Test func adversarialOrdersStillGiveTheRightElement() {
        let count = 1440
        let organPipe = (0..<count).map { $0 < count / 2 ? $0 : count - $0 }
        let sawtooth = (0..<count).map { ($0 * 37) % 11 }
        for values in [
            organPipe, sawtooth, Array(0..<count), Array((0..<count).reversed()), [Int](repeating: 5, count: count),
        ] {
            let sorted = values.sorted()
            for rank in [0, 1, count / 2, count - 2, count - 1] {
                var scratch = values
                #expect(RobustStatistics.element(ofRank: rank, in: &scratch) == sorted[rank])
            }
        }
    }
}
