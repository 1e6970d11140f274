/// Distinct paths that one address got a 4xx answer for, per minute: a scanner walking a word
/// list shows as many different not-found paths in a short time, even with an innocent user
/// agent and paths no signature list names.
///
/// The shape is CrowdSec's `crowdsecurity/http-probing` scenario (a leaky bucket per address,
/// distinct by path, on 4xx answers, capacity 10); here the bucket is a fixed minute so that
/// workers' tables merge exactly (union of path hashes).
public struct PathBurstCell: Sendable, Equatable {
    /// The calling address, written once when the cell is made.
    public var address = ""
    /// Hashes of the distinct paths, at most `PathBurstTable.pathLimit`.
    public var pathHashes: [UInt64] = []
    public var requests = 0
    public var firstMillis: Int64 = .max
    public var lastMillis: Int64 = .min
    /// A few of the paths, sorted, for the evidence.
    public var samples: [String] = []

    public var distinctPaths: Int { pathHashes.count }

    mutating func add(pathHash: UInt64, at millis: Int64, sample: () -> String) {
        requests += 1
        firstMillis = min(firstMillis, millis)
        lastMillis = max(lastMillis, millis)
        guard !pathHashes.contains(pathHash), pathHashes.count < PathBurstTable.pathLimit else { return }
        pathHashes.append(pathHash)
        if samples.count < RequestFinding.sampleLimit { samples.append(sample()) }
    }

    mutating func merge(_ other: PathBurstCell) {
        if address.isEmpty { address = other.address }
        requests += other.requests
        firstMillis = min(firstMillis, other.firstMillis)
        lastMillis = max(lastMillis, other.lastMillis)
        for hash in other.pathHashes where pathHashes.count < PathBurstTable.pathLimit && !pathHashes.contains(hash) {
            pathHashes.append(hash)
        }
        samples = Array(Set(samples + other.samples).sorted().prefix(RequestFinding.sampleLimit))
    }
}

/// 4xx answers per (address, minute), bounded: past `capacity` cells, the cells with the fewest
/// distinct paths (which cannot be a burst yet) are dropped first and counted in `droppedCells`.
/// A burst split between workers may then lose the part of it one worker dropped; a real
/// burst keeps growing its own cell, so it is the last to go.
public struct PathBurstTable: Sendable {
    /// The address by its hash, so a 4xx answer from a known address makes no `String`.
    public struct Key: Hashable, Sendable {
        public var addressHash: UInt64
        public var minuteStartMillis: Int64
    }

    public static let pathLimit = 64
    public private(set) var cells: [Key: PathBurstCell] = [:]
    public private(set) var droppedCells = 0
    public let capacity: Int

    public init(capacity: Int = 8_192) {
        self.capacity = capacity
    }

    mutating func add(
        addressHash: UInt64, address: () -> String, pathHash: UInt64, at millis: Int64, sample: () -> String
    ) {
        let key = Key(addressHash: addressHash, minuteStartMillis: ChunkAggregator.floor(millis, to: 60_000))
        if cells[key] == nil { cells[key] = PathBurstCell(address: address()) }
        cells[key]!.add(pathHash: pathHash, at: millis, sample: sample)
        if cells.count > capacity { shed() }
    }

    /// Drops the cells with the fewest distinct paths until a quarter of the capacity is free.
    private mutating func shed() {
        var threshold = 1
        while cells.count > capacity * 3 / 4 && threshold < Self.pathLimit {
            let before = cells.count
            cells = cells.filter { $0.value.distinctPaths > threshold }
            droppedCells += before - cells.count
            threshold += 1
        }
    }

    public mutating func merge(_ other: PathBurstTable) {
        cells.mergeAdding(other.cells)
        droppedCells += other.droppedCells
        if cells.count > capacity { shed() }
    }
}

extension PathBurstCell: Mergeable {}

extension PathBurstCell: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(address)
        writer.write(pathHashes)
        writer.write(requests)
        writer.write(firstMillis)
        writer.write(lastMillis)
        writer.write(samples)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init()
        address = try reader.readString()
        pathHashes = try reader.readArray()
        try reader.check(pathHashes.count <= PathBurstTable.pathLimit, "\(pathHashes.count) paths in one burst cell")
        requests = try reader.readCount()
        firstMillis = try reader.readMillis()
        lastMillis = try reader.readMillis()
        samples = try reader.readArray()
    }
}

extension PathBurstTable.Key: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.writeFixed(addressHash)
        writer.write(minuteStartMillis)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(addressHash: try reader.readFixedUInt64(), minuteStartMillis: try reader.readMillis())
    }
}

extension PathBurstTable: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(capacity)
        writer.write(cells)
        writer.write(droppedCells)
    }

    public init(from reader: inout StateReader) throws(StateFileError) {
        self.init(capacity: try reader.readCount())
        cells = try reader.readDictionary()
        droppedCells = try reader.readCount()
    }
}
