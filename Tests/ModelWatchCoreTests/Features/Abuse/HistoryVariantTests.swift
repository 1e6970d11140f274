import Foundation
import Testing

@testable import ModelWatchCore

/// A tabular extraction sweep that branches from anywhere in the client's history (each query a
/// copy of some earlier one of its own, one numeric feature nudged, a time-of-day feature
/// following the clock) is found against every earlier query of the window; natural clients of
/// the same features, the clock feature included, stay below the bar.
@Suite struct HistoryVariantTests {
    static let start = AbuseDetectorTests.start

    struct Query {
        var amount: Double
        var balance: Double
        var items: Int
    }

    static func line(_ millis: Int64, client: String, _ query: Query, region: String) -> String {
        let hour = Double((millis - start) % 86_400_000) / 3_600_000
        return
            "{\"ts\":\"\(AbuseDetectorTests.time(millis))\",\"model\":\"risk\",\"client\":\"\(client)\",\"status\":200,"
            + "\"features\":{\"amount\":\(query.amount),\"balance\":\(query.balance),\"items\":\(query.items),"
            + "\"hour\":\((hour * 1000).rounded() / 1000),\"region\":\"\(region)\"},\"prediction\":\"pass\",\"score\":0.8}"
    }

    static func natural(_ generator: inout SplitMix) -> Query {
        Query(
            amount: (exp(3.5 + generator.normal()) * 100).rounded() / 100,
            balance: (exp(7 + 1.2 * generator.normal()) * 100).rounded() / 100, items: 1 + Int(generator.next() % 8))
    }

    /// Four hours from 06:00: twelve natural clients, and `k-branch` from 07:00 sending a query
    /// every 4 s, each a copy of a uniformly drawn earlier one of its own (after 40 natural
    /// seeds) with amount, balance or items nudged.
    static func lines(seed: UInt64) -> [String] {
        var generator = SplitMix(seed: seed)
        var lines: [(Int64, String)] = []
        let regions = ["N", "E", "S", "W"]
        for client in 0..<12 {
            var millis = start + 6 * AbuseDetectorTests.hour + Int64(generator.next() % 30_000)
            while millis < start + 10 * AbuseDetectorTests.hour {
                lines.append(
                    (
                        millis,
                        line(
                            millis, client: "k-\(client)", natural(&generator),
                            region: regions[Int(generator.next() % 4)])
                    ))
                millis += 5_000 + Int64(generator.next() % 40_000)
            }
        }
        var pool: [(Query, String)] = []
        var millis = start + 7 * AbuseDetectorTests.hour
        while millis < start + 10 * AbuseDetectorTests.hour {
            var query: Query
            var region: String
            if pool.count < 40 {
                query = natural(&generator)
                region = regions[Int(generator.next() % 4)]
            } else {
                (query, region) = pool[Int(generator.next() % UInt64(pool.count))]
                switch generator.next() % 3 {
                case 0: query.amount = ((query.amount * (0.9 + 0.2 * generator.uniform())) * 100).rounded() / 100
                case 1: query.balance = ((query.balance + 50 * generator.normal()) * 100).rounded() / 100
                default: query.items = max(1, query.items + (generator.next() % 2 == 0 ? 1 : -1))
                }
            }
            pool.append((query, region))
            lines.append((millis, line(millis, client: "k-branch", query, region: region)))
            millis += 4_000
        }
        return lines.sorted { $0.0 < $1.0 }.map(\.1)
    }

    @Test(arguments: [21, 22] as [UInt64])
    func aSweepBranchingFromItsWholeHistoryIsFound(seed: UInt64) throws {
        var recorder = ClientActivityRecorder()
        try AbuseDetectorTests.record(Self.lines(seed: seed), into: &recorder)
        let state = recorder.finish()
        let table = try #require(state.clients["risk"])
        for (client, cells) in table {
            for cell in cells.values where cell.variantChecked >= 50 {
                let share = Double(cell.historyVariants + cell.historyCopies) / Double(cell.variantChecked)
                if client == "k-branch" && cell.windowStartMillis >= Self.start + 8 * AbuseDetectorTests.hour {
                    // Every query after the seeds is a copy with one change; the nudged amount or
                    // balance leaves the other continuous one held, the nudged items both.
                    #expect(share >= 0.9, "\(client) at \(cell.windowStartMillis): \(share)")
                } else if client != "k-branch" {
                    #expect(share <= 0.1, "\(client): \(share)")
                }
            }
        }
        let events = AbuseDetector().events(for: AbuseDetectorTests.summary(state)).filter { $0.severity >= .medium }
        #expect(events.map(\.entity.client) == ["k-branch"])
        let event = try #require(events.first)
        #expect(event.typeName == "abuse.extraction")
        #expect(event.evidence.contains { $0.0 == "signals" && "\($0.1)".contains("history_variants") })
    }
}
