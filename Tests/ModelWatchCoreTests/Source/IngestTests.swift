import Foundation
import Testing

@testable import ModelWatchCore

@Suite struct LineFramerTests {
    /// Frames `input` fed in blocks of `blockSize` and returns the lines the chunks hold, with
    /// each line's absolute offset, as a worker would split them.
    static func frame(_ input: [UInt8], blockSize: Int, chunkSize: Int, lineCap: Int) -> (
        lines: [(Int64, [UInt8])], dropped: Int
    ) {
        var framer = LineFramer(sourceIndex: 0, chunkSize: chunkSize, lineCap: lineCap)
        var chunks: [LineChunk] = []
        input.withUnsafeBytes { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(buffer.count, start + blockSize)
                framer.append(UnsafeRawBufferPointer(rebasing: buffer[start..<end])) { chunks.append($0) }
                start = end
            }
        }
        framer.finish { chunks.append($0) }
        var lines: [(Int64, [UInt8])] = []
        for chunk in chunks {
            var lineStart = 0
            while lineStart < chunk.bytes.count {
                let end = chunk.bytes[lineStart...].firstIndex(of: 0x0A) ?? chunk.bytes.count
                lines.append((chunk.startOffset + Int64(lineStart), Array(chunk.bytes[lineStart..<end])))
                lineStart = end + 1
            }
        }
        return (lines, framer.droppedLineCount)
    }

    @Test func everyBlockSizeGivesTheOracleLines() {
        var generator = SplitMix64(seed: 7)
        var input: [UInt8] = []
        for _ in 0..<300 {
            let length = Int(generator.next() % 40)
            input += (0..<length).map { _ in UInt8(ascii: "a") + UInt8(generator.next() % 26) }
            input.append(0x0A)
        }
        input += Array("last line without newline".utf8)
        // Oracle: split on newline, with offsets.
        var expected: [(Int64, [UInt8])] = []
        var start = 0
        for (index, byte) in input.enumerated() where byte == 0x0A {
            expected.append((Int64(start), Array(input[start..<index])))
            start = index + 1
        }
        expected.append((Int64(start), Array(input[start...])))
        for blockSize in [1, 2, 3, 7, 16, 64, 100, 1000, input.count] {
            for chunkSize in [1, 50, 4096] {
                let (lines, dropped) = Self.frame(input, blockSize: blockSize, chunkSize: chunkSize, lineCap: 1 << 20)
                #expect(dropped == 0)
                #expect(lines.map(\.0) == expected.map(\.0), "block \(blockSize) chunk \(chunkSize)")
                #expect(lines.map(\.1) == expected.map(\.1), "block \(blockSize) chunk \(chunkSize)")
            }
        }
    }

    @Test func overlongLinesAreDroppedWithOffsetsAndTheRestKept() {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 5000)
        let input = Array("first\n".utf8) + long + Array("\nafter\n".utf8) + long + long
        for blockSize in [1, 13, 512, 100_000] {
            var framer = LineFramer(sourceIndex: 0, chunkSize: 64, lineCap: 1000)
            var kept: [String] = []
            var offsets: [Int64] = []
            input.withUnsafeBytes { buffer in
                var start = 0
                while start < buffer.count {
                    let end = min(buffer.count, start + blockSize)
                    framer.append(UnsafeRawBufferPointer(rebasing: buffer[start..<end])) { chunk in
                        for line in chunk.bytes.split(separator: 0x0A) {
                            kept.append(String(decoding: line, as: UTF8.self))
                        }
                        offsets.append(chunk.startOffset)
                    }
                    start = end
                }
            }
            framer.finish { chunk in
                for line in chunk.bytes.split(separator: 0x0A) { kept.append(String(decoding: line, as: UTF8.self)) }
            }
            // A long line that arrives whole inside one block reaches the worker, which rejects it
            // by length; one still open when the cap is passed is dropped by the framer.
            let passedLong = kept.filter { $0.utf8.count > 1000 }
            #expect(kept.filter { $0.utf8.count <= 1000 } == ["first", "after"], "block \(blockSize)")
            #expect(framer.droppedLineCount + passedLong.count == 2, "block \(blockSize)")
            if blockSize < 1000 {
                #expect(framer.droppedLineCount == 2, "block \(blockSize)")
                #expect(framer.firstDroppedLineOffset == 6, "block \(blockSize)")
            }
        }
    }
}

@Suite struct SketchTests {
    @Test func heavyHittersExactUnderCapacityAndBoundedAbove() {
        var hitters = HeavyHitters(capacity: 100)
        for index in 0..<50 {
            for _ in 0..<(index + 1) {
                Array("key-\(index)".utf8).withUnsafeBytes { hitters.add($0, status: 200, tokens: 0, at: 0) }
            }
        }
        #expect(hitters.top(1).first?.key == "key-49")
        #expect(hitters.top(1).first?.count == 50)
        #expect(hitters.top(1).first?.overestimate == 0)
        // A long tail of 200,000 distinct keys cannot push out a key seen 5,000 times.
        var big = HeavyHitters(capacity: 64)
        for index in 0..<200_000 {
            Array("tail-\(index)".utf8).withUnsafeBytes { big.add($0, status: 200, tokens: 0, at: 0) }
            if index % 40 == 0 { Array("heavy".utf8).withUnsafeBytes { big.add($0, status: 401, tokens: 0, at: 0) } }
        }
        #expect(big.entries.count == 64)
        #expect(big.top(1).first?.key == "heavy")
        #expect(big.top(1).first?.activity.authFailures == 5000)
        #expect(abs(big.distinct.estimate - 200_001) / 200_001 < 0.05)
    }

    @Test func heavyHitterMergeIsCommutative() {
        var left = HeavyHitters(capacity: 16)
        var right = HeavyHitters(capacity: 16)
        var generator = SplitMix64(seed: 3)
        for _ in 0..<5000 {
            let key = Array("k\(generator.next() % 40)".utf8)
            if generator.next() % 2 == 0 {
                key.withUnsafeBytes { left.add($0, status: 200, tokens: 1, at: 0) }
            } else {
                key.withUnsafeBytes { right.add($0, status: 200, tokens: 1, at: 0) }
            }
        }
        var leftFirst = left
        leftFirst.merge(right)
        var rightFirst = right
        rightFirst.merge(left)
        #expect(leftFirst.entries == rightFirst.entries)
        #expect(leftFirst.total == 5000)
    }

    @Test func hyperLogLogWithinItsErrorBound() {
        for count in [10, 1000, 100_000] {
            var sketch = HyperLogLog()
            for index in 0..<count { sketch.insert(hash: ByteHashing.hash("address-\(index)")) }
            // 1.04/sqrt(4096) = 1.6% standard error; allow 4 standard errors.
            #expect(abs(sketch.estimate - Double(count)) / Double(count) < 0.065, "\(count)")
        }
    }

    @Test func latencyQuantilesWithinTwoPercent() {
        var histogram = LatencyHistogram()
        var values: [Double] = []
        var generator = SplitMix64(seed: 11)
        for _ in 0..<10_000 {
            let value = Double(generator.next() % 100_000) / 100 + 0.5
            values.append(value)
            histogram.record(value)
        }
        values.sort()
        for q in [0.5, 0.95, 0.99] {
            let exact = values[Int((q * Double(values.count)).rounded(.up)) - 1]
            let estimate = histogram.quantile(q)!
            #expect(abs(estimate - exact) / exact < 0.021, "q=\(q)")
        }
        var merged = LatencyHistogram()
        var other = LatencyHistogram()
        for value in values.prefix(5000) { merged.record(value) }
        for value in values.dropFirst(5000) { other.record(value) }
        merged.merge(other)
        #expect(merged.quantile(0.99) == histogram.quantile(0.99))
        #expect(merged.count == histogram.count)
    }
}
