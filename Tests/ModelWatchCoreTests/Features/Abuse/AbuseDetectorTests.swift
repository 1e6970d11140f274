import Foundation
import Testing

@testable import ModelWatchCore

/// The per-client abuse statistics and events on crafted inputs: each attacker shape raises its
/// event, each legitimate look-alike stays quiet.
@Suite struct AbuseDetectorTests {
    static let hour: Int64 = 3_600_000
    static let start: Int64 = 1_795_132_800_000  // 2026-11-19T00:00:00Z

    static func time(_ millis: Int64) -> String { TimestampParser.formatRFC3339(millis: millis) }

    /// Feeds inference lines through a recorder, as a worker would.
    static func record(_ lines: [String], into recorder: inout ClientActivityRecorder) throws {
        for line in lines {
            try TestSupport.withInference(line) { record, bytes in recorder.record(record, line: bytes) }
        }
    }

    static func fraudLine(
        _ millis: Int64, client: String, amount: Double, tx: Int = 3, country: String = "NL", device: Bool = true,
        ip: String = "5.6.7.8"
    ) -> String {
        "{\"ts\":\"\(time(millis))\",\"model\":\"fraud-scorer\",\"client\":\"\(client)\",\"ip\":\"\(ip)\",\"status\":200,"
            + "\"features\":{\"amount\":\(amount),\"country\":\"\(country)\",\"tx_24h\":\(tx),\"is_new_device\":\(device)},"
            + "\"prediction\":\"legit\",\"score\":0.9}"
    }

    static func summary(_ state: AbuseState) -> AnalysisSummary {
        var summary = AnalysisSummary(windowMillis: 60_000, sources: [])
        summary.abuse = state
        return summary
    }

    // MARK: recorder

    @Test func sweepIsSeenAsPerturbationsWithDegenerateDistances() throws {
        var recorder = ClientActivityRecorder()
        // One feature swept in equal steps, one query every 5 s: every query changes one feature.
        let sweep = (0..<300).map {
            Self.fraudLine(Self.start + Int64($0) * 5_000, client: "k-sweep", amount: 20 + 1.25 * Double($0))
        }
        try Self.record(sweep, into: &recorder)
        let state = recorder.finish()
        let cell = try #require(state.clients["fraud-scorer"]?["k-sweep"]?[Self.start])
        // The table has room, so the key is tracked from its first record.
        #expect(cell.calls == 300)
        #expect(state.untrackedClientRecords == 0)
        #expect(cell.perturbations >= cell.compared - 1)
        #expect(cell.compared > 250)
        #expect(cell.distances.offered == cell.compared)
        let cv = try #require(cell.gaps.coefficientOfVariation)
        #expect(cv < 1e-9)
        let events = AbuseDetector().events(for: Self.summary(state))
        let extraction = try #require(events.first { $0.type == .abuseExtraction })
        #expect(extraction.severity >= .medium)
        #expect(extraction.entity == EventEntity(model: "fraud-scorer", client: "k-sweep"))
        #expect(extraction.atlas.contains("AML.T0024.002"))
        guard case .text(let signals)? = extraction.evidence.first(where: { $0.0 == "signals" })?.1 else {
            Issue.record("no signals")
            return
        }
        #expect(signals.contains("perturbation") && signals.contains("prada"))
    }

    @Test func naturalQueriesRaiseNoMediumExtraction() throws {
        var recorder = ClientActivityRecorder()
        var generator = SplitMix(seed: 7)
        let natural = (0..<400).map { index in
            Self.fraudLine(
                Self.start + Int64(index) * 9_000, client: "k-natural",
                amount: (exp(3.6 + 1.1 * generator.normal()) * 100).rounded() / 100, tx: Int(generator.next() % 9),
                country: ["NL", "DE", "FR", "US", "GB", "ES", "IT", "BR"][Int(generator.next() % 8)],
                device: generator.uniform() < 0.1)
        }
        try Self.record(natural, into: &recorder)
        let events = AbuseDetector().events(for: Self.summary(recorder.finish()))
        #expect(!events.contains { $0.severity >= .medium })
    }

    @Test func trackedTablesStayBoundedUnderDistinctKeys() throws {
        var recorder = ClientActivityRecorder(capacity: 64, addressCapacity: 64, budget: 1 << 20)
        // Every key and address twice (so each passes the doorkeeper), 20,000 distinct.
        var lines: [String] = []
        for index in 0..<20_000 {
            let line =
                "{\"ts\":\"\(Self.time(Self.start + Int64(index)))\",\"model\":\"m\",\"client\":\"k-\(index)\",\"ip\":\"10.\(index >> 16).\((index >> 8) & 255).\(index & 255)\",\"status\":200}"
            lines.append(line)
            lines.append(line)
        }
        try Self.record(lines, into: &recorder)
        #expect(recorder.footprint <= 1 << 20)
        let state = recorder.finish()
        #expect((state.clients["m"]?.count ?? 0) <= 64)
        #expect(abs(state.distinctClients.estimate - 20_000) < 20_000 * 0.05)
        #expect(state.untrackedClientRecords > 30_000)
    }

    @Test func workersMergeToTheSameCounts() throws {
        let lines = (0..<200).map {
            Self.fraudLine(Self.start + Int64($0) * 20_000, client: "k-a", amount: Double($0 % 17))
        }
        var whole = ClientActivityRecorder()
        try Self.record(lines, into: &whole)
        var first = ClientActivityRecorder()
        var second = ClientActivityRecorder()
        try Self.record(Array(lines[..<100]), into: &first)
        try Self.record(Array(lines[100...]), into: &second)
        var merged = first.finish()
        merged.merge(second.finish())
        let total = { (state: AbuseState) in
            state.clients["fraud-scorer"]?["k-a"]?.values.reduce(0) { $0 + $1.calls } ?? 0
        }
        // The tables have room: every record counts in either split, the first ones too.
        #expect(total(merged) == 200)
        #expect(total(whole.finish()) == 200)
    }

    @Test func bottomKSampleMergesToTheSampleOfTheWhole() {
        var generator = SplitMix(seed: 11)
        let items = (0..<2_000).map { _ in (Float(generator.uniform()), UInt32(truncatingIfNeeded: generator.next())) }
        var whole = DistanceSample()
        for (value, hash) in items { whole.add(value, hash: hash) }
        var parts = [DistanceSample(), DistanceSample(), DistanceSample()]
        for (index, item) in items.enumerated() { parts[index % 3].add(item.0, hash: item.1) }
        var merged = parts[0]
        merged.merge(parts[1])
        merged.merge(parts[2])
        #expect(merged.offered == 2_000)
        #expect(merged.sample.count == DistanceSample.capacity)
        #expect(Set(merged.sample) == Set(whole.sample))
        // The kept values are those with the smallest hashes.
        let expected = Set(items.sorted { $0.1 < $1.1 }.prefix(DistanceSample.capacity).map { Double($0.0) })
        #expect(Set(merged.sample) == expected)
    }

    @Test func smallDistinctCountIsCloseForSmallAndLargeCounts() {
        for count in [1, 5, 12, 40, 60] {
            var sketch = SmallDistinctCount()
            for index in 0..<count { sketch.insert(hash: ByteHashing.hash("198.51.100.\(index)")) }
            for index in 0..<count { sketch.insert(hash: ByteHashing.hash("198.51.100.\(index)")) }
            #expect(abs(sketch.estimate - Double(count)) <= max(1.5, 0.12 * Double(count)), "\(count)")
        }
        var large = SmallDistinctCount()
        for index in 0..<5_000 { large.insert(hash: ByteHashing.hash("k-\(index)")) }
        #expect(abs(large.estimate - 5_000) < 5_000 * 0.4)
    }

    // MARK: detector on crafted windows

    static func cell(_ start: Int64, calls: Int) -> ClientWindow {
        var cell = ClientWindow(windowStartMillis: start)
        cell.calls = calls
        cell.firstMillis = start
        cell.lastMillis = start + hour - 1
        return cell
    }

    /// `peers` ordinary clients at 20 calls an hour for three days, plus `client`'s own windows.
    static func population(_ client: String, _ cells: [Int64: ClientWindow], model: String = "m") -> AbuseState {
        var state = AbuseState()
        for peer in 0..<8 {
            var windows: [Int64: ClientWindow] = [:]
            for index in 0..<72 {
                let start = Self.start + Int64(index) * hour
                windows[start] = Self.cell(start, calls: 15 + (index + peer) % 10)
            }
            state.clients[model, default: [:]]["peer-\(peer)"] = windows
        }
        state.clients[model, default: [:]][client] = cells
        return state
    }

    @Test func volumeFarAboveOwnNormAndPeersIsRate() throws {
        var cells: [Int64: ClientWindow] = [:]
        for index in 0..<72 {
            let start = Self.start + Int64(index) * Self.hour
            cells[start] = Self.cell(start, calls: index == 60 ? 900 : 20 + index % 5)
        }
        cells[Self.start + 60 * Self.hour]!.throttled = 300
        cells[Self.start + 60 * Self.hour]!.callsAfterThrottle = 600
        let events = AbuseDetector().events(for: Self.summary(Self.population("k-burn", cells)))
        let rate = try #require(events.first { $0.type == .abuseRate && $0.entity.client == "k-burn" })
        #expect(rate.severity == .high)
        #expect(rate.startMillis == Self.start + 60 * Self.hour)
        #expect(rate.atlas == ["AML.T0034"])
        #expect(rate.owasp.contains("API4:2023"))
        #expect(events.filter { $0.severity >= .medium }.count == 1)
    }

    @Test func dailyBatchAtTheSameHourIsNotRate() {
        var cells: [Int64: ClientWindow] = [:]
        for day in 0..<3 {
            for hour in 2..<4 {
                let start = Self.start + Int64(day * 24 + hour) * Self.hour
                cells[start] = Self.cell(start, calls: 50_000 + day * 700)
            }
        }
        let events = AbuseDetector().events(for: Self.summary(Self.population("k-batch", cells)))
        #expect(!events.contains { $0.severity >= .medium })
    }

    @Test func manyAddressesForOneKeyIsSharingButARotatingPhoneIsNot() throws {
        var state = AbuseState()
        for (client, spike) in [("k-leaked", true), ("k-phone", false)] {
            var windows: [Int64: ClientWindow] = [:]
            for index in 0..<24 {
                let start = Self.start + Int64(index) * Self.hour
                var cell = Self.cell(start, calls: 40)
                let count = spike && index == 20 ? 60 : 4
                for address in 0..<count {
                    let text = "\(client == "k-phone" ? 100 : 30 + address).\(address).\(index % 3).9"
                    cell.addresses.insert(hash: ByteHashing.hash(text))
                    cell.networks.insert(
                        hash: ByteHashing.hash(String(text.split(separator: ".").prefix(3).joined(separator: "."))))
                }
                windows[start] = cell
            }
            state.clients["m", default: [:]][client] = windows
        }
        let events = AbuseDetector().events(for: Self.summary(state))
        let sharing = try #require(events.first { $0.type == .abuseKeySharing })
        #expect(sharing.entity.client == "k-leaked")
        #expect(sharing.severity == .high)
        #expect(!events.contains { $0.entity.client == "k-phone" })
    }

    @Test func refusedKeysFromOneAddressIsStuffingButTyposAreNot() throws {
        var state = AbuseState()
        var stuffing = AddressWindow(windowStartMillis: Self.start)
        var typo = AddressWindow(windowStartMillis: Self.start)
        for index in 0..<40 {
            stuffing.attempts += 1
            stuffing.authFailures += 1
            stuffing.failedKeys.insert(hash: ByteHashing.hash("k-\(index)"))
            stuffing.failureBuckets[Int64(index / 8), default: 0] += 1
        }
        stuffing.firstMillis = Self.start
        stuffing.lastMillis = Self.start + 50_000
        for index in 0..<200 {
            typo.attempts += 1
            if index < 3 {
                typo.authFailures += 1
                typo.failedKeys.insert(hash: ByteHashing.hash("k-typo"))
                typo.failureBuckets[0, default: 0] += 1
            }
        }
        state.addresses["203.0.113.66"] = [Self.start: stuffing]
        state.addresses["198.51.100.10"] = [Self.start: typo]
        let events = AbuseDetector().events(for: Self.summary(state))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.type == .abuseCredentialStuffing && event.entity.ip == "203.0.113.66")
        #expect(event.severity == .medium)
        #expect(event.evidence.contains { $0.0 == "peak_failures_per_10s" && $0.1 == .integer(8) })
    }

    @Test func logprobHarvestingIsExtractionButOnePercentIsNot() throws {
        var state = AbuseState()
        var totals = ModelWindowTotals()
        for (client, logprobs, lengths) in [("k-distill", 600, 5), ("k-careful", 6, 500)] {
            var cell = Self.cell(Self.start, calls: 600)
            cell.logprobCalls = logprobs
            cell.promptTokens = 600 * 200
            cell.completionTokens = 600 * (client == "k-distill" ? 900 : 150)
            for length in 0..<lengths { cell.promptLengths.insert(hash: ByteHashing.mix(UInt64(length + 20))) }
            state.clients["llm", default: [:]][client] = [Self.start: cell]
            totals.calls += cell.calls
            totals.logprobCalls += cell.logprobCalls
        }
        totals.calls += 5_000
        totals.logprobCalls += 200
        state.models["llm"] = [Self.start: totals]
        let events = AbuseDetector().events(for: Self.summary(state))
        let extraction = try #require(events.first { $0.type == .abuseExtraction })
        #expect(extraction.entity.client == "k-distill")
        #expect(extraction.severity >= .medium)
        #expect(!events.contains { $0.entity.client == "k-careful" })
    }

    @Test func riskTableRanksWorstFirst() {
        var low = Event(
            type: .abuseExtraction, severity: .low, startMillis: 0, endMillis: 1, entity: EventEntity(client: "k-low"),
            evidence: [("signals", .text("prada"))], message: "")
        low.count = 5
        let high = Event(
            type: .abuseCredentialStuffing, severity: .high, startMillis: 0, endMillis: 1,
            entity: EventEntity(ip: "203.0.113.66"), evidence: [("signals", .text("burst, many_keys"))], message: "")
        let text = AbuseRiskTable.render([low, high], top: 10)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[2].contains("address 203.0.113.66") && lines[2].contains("burst, many_keys"))
        #expect(lines[3].contains("client k-low") && lines[3].contains("prada"))
    }
}

/// A small deterministic generator for test data (SplitMix64, Steele et al. 2014).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Box–Muller.
    mutating func normal() -> Double {
        (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * Double.pi * uniform())
    }
}
