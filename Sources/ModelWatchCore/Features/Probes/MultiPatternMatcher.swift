/// Finds which of many byte patterns occur in a text, ASCII case-insensitively, in one pass over
/// the text: the Aho–Corasick automaton (Aho and Corasick, "Efficient string matching: an aid
/// to bibliographic search", CACM 18(6), 1975), compiled into a full transition table so each
/// byte costs one class lookup and one table load.
///
/// Bytes are first mapped to classes (one per distinct byte in the patterns, plus one for every
/// other byte), which keeps the table at states × classes instead of states × 256.
///
/// - Complexity: building O(total pattern length × classes); matching O(text length).
struct MultiPatternMatcher: Sendable {
    /// Byte → class; 0 is "a byte no pattern has".
    private let classOf: [UInt8]
    private let classCount: Int
    /// `next[state * classCount + class]`: the state after reading a byte of that class.
    private let next: [Int32]
    /// Per state, the lowest pattern index that ends here (directly or through a suffix), or -1.
    private let lowestMatch: [Int32]

    /// `patterns` are matched as given after ASCII lower-casing; empty patterns never match.
    init(_ patterns: [[UInt8]]) {
        var classes = [UInt8](repeating: 0, count: 256)
        var count = 1
        for pattern in patterns {
            for byte in pattern.map(RequestSignatures.lower) where classes[Int(byte)] == 0 {
                classes[Int(byte)] = UInt8(count)
                count += 1
            }
        }
        // Upper-case letters share their lower-case class.
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { classes[Int(byte)] = classes[Int(byte | 0x20)] }

        // The trie: children as a dense table, -1 for "no edge yet".
        var edges: [Int32] = Array(repeating: -1, count: count)
        var output: [Int32] = [-1]
        for (index, pattern) in patterns.enumerated() where !pattern.isEmpty {
            var state = 0
            for byte in pattern {
                let slot = state * count + Int(classes[Int(RequestSignatures.lower(byte))])
                if edges[slot] < 0 {
                    edges[slot] = Int32(output.count)
                    output.append(-1)
                    edges += Array(repeating: -1, count: count)
                }
                state = Int(edges[slot])
            }
            if output[state] < 0 || output[state] > Int32(index) { output[state] = Int32(index) }
        }

        // Breadth-first: each missing edge takes its failure state's edge, and each state's
        // output takes the lower of its own and its failure state's.
        var failure = [Int](repeating: 0, count: output.count)
        var queue: [Int] = []
        for symbol in 0..<count {
            let child = edges[symbol]
            if child < 0 {
                edges[symbol] = 0
            } else {
                failure[Int(child)] = 0
                queue.append(Int(child))
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            let inherited = output[failure[state]]
            if inherited >= 0 && (output[state] < 0 || inherited < output[state]) { output[state] = inherited }
            for symbol in 0..<count {
                let slot = state * count + symbol
                let child = edges[slot]
                let fallback = edges[failure[state] * count + symbol]
                if child < 0 {
                    edges[slot] = fallback
                } else {
                    failure[Int(child)] = Int(fallback)
                    queue.append(Int(child))
                }
            }
        }
        classOf = classes
        classCount = count
        next = edges
        lowestMatch = output
    }

    /// The lowest index of the patterns that occur in `text`, or nil.
    func firstPattern(in text: UnsafeRawBufferPointer) -> Int? {
        var state = 0
        var best = Int32.max
        for byte in text {
            state = Int(next[state &* classCount &+ Int(classOf[Int(byte)])])
            let found = lowestMatch[state]
            if found >= 0 && found < best {
                best = found
                if best == 0 { break }
            }
        }
        return best == .max ? nil : Int(best)
    }
}
