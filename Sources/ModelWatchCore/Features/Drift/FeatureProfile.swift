/// Exact moments and a quantile sketch of one numeric quantity (a feature, the score, token
/// counts, latency) in one model's drift window.
///
/// Count, minimum and maximum merge exactly; mean and variance merge by Chan, Golub and
/// LeVeque's pairwise update ("Updating formulae and a pairwise algorithm for computing sample
/// variances", 1979), exact up to floating-point rounding; the sketch merges exactly (see
/// `RelativeErrorSketch` for its error bound). Memory is fixed by the sketch's bucket cap.
public struct NumericSummary: Sendable, Codable, Equatable {
    public private(set) var count = 0
    public private(set) var mean = 0.0
    /// Sum of squared deviations from the mean.
    public private(set) var squaredDeviations = 0.0
    public private(set) var minimum = Double.infinity
    public private(set) var maximum = -Double.infinity
    public private(set) var sketch = RelativeErrorSketch()

    public init() {}

    /// Records a finite value (Welford's update); others are ignored.
    @inline(__always)
    public mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        squaredDeviations += delta * (value - mean)
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
        sketch.add(value)
    }

    public mutating func merge(_ other: NumericSummary) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let total = Double(count + other.count)
        let delta = other.mean - mean
        squaredDeviations += other.squaredDeviations + delta * delta * Double(count) * Double(other.count) / total
        mean += delta * Double(other.count) / total
        count += other.count
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        sketch.merge(other.sketch)
    }

    /// Population variance (ddof 0, as numpy's `std` that Evidently normalises by).
    public var variance: Double { count > 0 ? squaredDeviations / Double(count) : 0 }
    public var standardDeviation: Double { variance.squareRoot() }

    /// Approximate footprint in bytes.
    var footprint: Int { 96 + sketch.bucketCount * 8 }

    enum CodingKeys: String, CodingKey {
        case count, mean, squaredDeviations = "squared_deviations", minimum = "min", maximum = "max", sketch
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        guard count > 0 else { return }
        mean = try container.decode(Double.self, forKey: .mean)
        squaredDeviations = try container.decode(Double.self, forKey: .squaredDeviations)
        minimum = try container.decode(Double.self, forKey: .minimum)
        maximum = try container.decode(Double.self, forKey: .maximum)
        sketch = try container.decode(RelativeErrorSketch.self, forKey: .sketch)
        guard sketch.count == count, minimum <= maximum else {
            throw DecodingError.dataCorruptedError(
                forKey: .sketch, in: container, debugDescription: "sketch counts do not add up to count")
        }
    }

    /// An empty summary is written as its count alone (its minimum and maximum are infinite).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        guard count > 0 else { return }
        try container.encode(mean, forKey: .mean)
        try container.encode(squaredDeviations, forKey: .squaredDeviations)
        try container.encode(minimum, forKey: .minimum)
        try container.encode(maximum, forKey: .maximum)
        try container.encode(sketch, forKey: .sketch)
    }
}

/// Counts of the values of a categorical quantity, keyed by their bytes, for at most `capacity`
/// distinct values; later values past the cap are counted in `otherCount`.
///
/// Merging adds counts by value and is exact while the distinct values of both sides together
/// fit the cap; past it the values that did not fit go to `otherCount`, so totals stay exact.
/// Looking up a value already present hashes its bytes and allocates nothing.
public struct CategoryCounts: Sendable {
    private var table: ByteKeyTable
    public private(set) var counts: [Int] = []
    /// Values seen after the cap was reached.
    public private(set) var otherCount = 0
    public let capacity: Int
    public static let otherName = "(other)"

    public init(capacity: Int = 256) {
        self.capacity = capacity
        table = ByteKeyTable(expectedCount: min(capacity, 16))
    }

    public var total: Int { counts.reduce(otherCount, +) }
    public var isEmpty: Bool { counts.isEmpty && otherCount == 0 }

    @inline(__always)
    public mutating func add(_ bytes: UnsafeRawBufferPointer, count: Int = 1) {
        let hash = ByteHashing.hash(bytes)
        if let slot = table.find(bytes, hash: hash) {
            counts[slot] += count
        } else if counts.count < capacity {
            _ = table.insert(bytes, hash: hash)
            counts.append(count)
        } else {
            otherCount += count
        }
    }

    public mutating func add(_ name: String, count: Int = 1) {
        var copy = name
        copy.withUTF8 { add(UnsafeRawBufferPointer($0), count: count) }
    }

    public mutating func merge(_ other: CategoryCounts) {
        for (slot, key) in other.table.keys.enumerated() {
            key.withUnsafeBytes { add($0, count: other.counts[slot]) }
        }
        otherCount += other.otherCount
    }

    /// Every value with its count, `(other)` last when values passed the cap.
    public var named: [(name: String, count: Int)] {
        var out = table.keys.enumerated().map { (String(decoding: $0.element, as: UTF8.self), counts[$0.offset]) }
        if otherCount > 0 { out.append((Self.otherName, otherCount)) }
        return out
    }

    public func count(of name: String) -> Int {
        if name == Self.otherName { return otherCount }
        var copy = name
        return copy.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            return table.find(raw, hash: ByteHashing.hash(raw)).map { counts[$0] } ?? 0
        }
    }

    var footprint: Int { 64 + table.keys.reduce(0) { $0 + $1.count + 48 } }
}

extension CategoryCounts: Codable, Equatable {
    enum CodingKeys: String, CodingKey {
        case capacity, values, other
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(capacity: try container.decode(Int.self, forKey: .capacity))
        let values = try container.decode([String: Int].self, forKey: .values)
        for (name, count) in values.sorted(by: { $0.key < $1.key }) { add(name, count: count) }
        otherCount += try container.decode(Int.self, forKey: .other)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(capacity, forKey: .capacity)
        var values: [String: Int] = [:]
        for (slot, key) in table.keys.enumerated() { values[String(decoding: key, as: UTF8.self)] = counts[slot] }
        try container.encode(values, forKey: .values)
        try container.encode(otherCount, forKey: .other)
    }

    public static func == (lhs: CategoryCounts, rhs: CategoryCounts) -> Bool {
        lhs.otherCount == rhs.otherCount
            && Dictionary(uniqueKeysWithValues: lhs.named.map { ($0.name, $0.count) })
                == Dictionary(uniqueKeysWithValues: rhs.named.map { ($0.name, $0.count) })
    }
}

/// One input feature of one model in one drift window: numbers, categories (strings and
/// booleans), and JSON nulls, each counted; a record without the feature counts as missing.
public struct FeatureProfile: Sendable, Codable, Equatable {
    public let name: String
    /// The name's UTF-8 bytes, compared against the bytes of each line.
    let nameBytes: [UInt8]
    public var numeric = NumericSummary()
    public var categories = CategoryCounts()
    public var nulls = 0

    public init(name: String) {
        self.name = name
        nameBytes = Array(name.utf8)
    }

    /// Records that carried a number or a category for this feature.
    public var present: Int { numeric.count + categories.total }

    /// Numeric when most present values are numbers.
    public var isNumeric: Bool { numeric.count > 0 && numeric.count >= categories.total }

    public mutating func merge(_ other: FeatureProfile) {
        numeric.merge(other.numeric)
        categories.merge(other.categories)
        nulls += other.nulls
    }

    var footprint: Int { 64 + nameBytes.count + numeric.footprint + categories.footprint }

    enum CodingKeys: String, CodingKey {
        case name, numeric, categories, nulls
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try container.decode(String.self, forKey: .name))
        numeric = try container.decode(NumericSummary.self, forKey: .numeric)
        categories = try container.decode(CategoryCounts.self, forKey: .categories)
        nulls = try container.decode(Int.self, forKey: .nulls)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(numeric, forKey: .numeric)
        try container.encode(categories, forKey: .categories)
        try container.encode(nulls, forKey: .nulls)
    }
}

extension NumericSummary: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(count)
        writer.write(mean)
        writer.write(squaredDeviations)
        writer.write(minimum)
        writer.write(maximum)
        writer.write(sketch)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        count = try reader.readCount()
        mean = try reader.readDouble()
        squaredDeviations = try reader.readDouble()
        minimum = try reader.readDouble()
        maximum = try reader.readDouble()
        sketch = try reader.read()
    }
}

extension CategoryCounts: StateCodable {
    /// The largest capacity a state may ask for: a damaged number must not allocate gigabytes.
    static let storableCapacity = 1 << 20

    public func encode(to writer: inout StateWriter) {
        writer.write(capacity)
        writer.write(counts.count)
        for (slot, key) in table.keys.enumerated() {
            writer.write(key.count)
            writer.writeRaw(key)
            writer.write(counts[slot])
        }
        writer.write(otherCount)
    }

    /// Values come back in the slots they were written from, so `named` lists them in the same
    /// order as before.
    public init(from reader: inout StateReader) throws(StateFileError) {
        let capacity = try reader.readCount()
        try reader.check(capacity <= Self.storableCapacity, "a category capacity of \(capacity)")
        self.init(capacity: capacity)
        let values = try reader.readLength(minimumElementBytes: 2)
        try reader.check(values <= capacity, "\(values) categories for a capacity of \(capacity)")
        for _ in 0..<values {
            let key = try reader.readRaw(count: try reader.readLength())
            let count = try reader.readCount()
            let hash = key.withUnsafeBytes { ByteHashing.hash($0) }
            let known = key.withUnsafeBytes { table.find($0, hash: hash) }
            try reader.check(known == nil, "a category written twice")
            _ = key.withUnsafeBytes { table.insert($0, hash: hash) }
            counts.append(count)
        }
        otherCount = try reader.readCount()
    }
}

extension FeatureProfile: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(name)
        writer.write(numeric)
        writer.write(categories)
        writer.write(nulls)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(name: try reader.readString())
        numeric = try reader.read()
        categories = try reader.read()
        nulls = try reader.readCount()
    }
}
