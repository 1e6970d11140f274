import Foundation
import Testing

@testable import ModelWatchCore

/// The nightly report over an archive that grows night by night, against `analyze` over the
/// same files; its SQLite state refusing damaged, foreign and locked databases.
@Suite struct NightlyReportTests {
    static let start: Int64 = 1_763_337_600_000  // 2025-11-17T00:00:00Z

    /// Day `day`'s inference file: 300 records, a client that bursts on day 2, some 503s.
    static func inferenceDay(_ day: Int) -> String {
        var text = ""
        for index in 0..<300 {
            let millis = start + Int64(day) * 86_400_000 + Int64(index) * 280_000
            let client = day == 1 && index % 3 == 0 ? "k-burst" : "k-\(index % 5)"
            text +=
                "{\"ts\":\"\(TimestampParser.formatRFC3339(millis: millis))\",\"request_id\":\"r-\(day)-\(index)\",\"model\":\"fraud-scorer\",\"model_version\":\"\(day == 2 ? "2.0" : "1.0")\",\"client\":\"\(client)\",\"host\":\"inf-1\",\"latency_ms\":\(12 + index % 9),\"status\":\(index % 40 == 0 ? 503 : 200),\"features\":{\"amount\":\(Double(index % 50) * (day == 2 ? 4 : 1))},\"prediction\":\"legit\",\"score\":0.9}\n"
        }
        return text
    }

    static func analysis() -> Analysis {
        var options = AnalysisOptions(threads: 2)
        options.futureLimitMillis = .max
        return Analysis(configuration: AnalysisConfiguration(options: options))
    }

    static func night(_ index: Int) -> String { ReportFigures.dayLabel(start + Int64(index) * 86_400_000) }

    static func verdicts(_ events: [Event]) -> [String] {
        events.map { "\($0.id) \($0.typeName) \($0.severity.name)" }.sorted()
    }

    @Test func eachNightEqualsAnalyzeOverTheNightsSoFarAndReadsOnlyNewFiles() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        for day in 0..<3 {
            try Data(Self.inferenceDay(day).utf8).write(
                to: archive.appendingPathComponent("\(Self.night(day)).jsonl"))
            let store = try NightStore(folder: folder.appendingPathComponent("state").path)
            let outcome = try NightlyReport(analysis: Self.analysis(), store: store).run(
                try InputDiscovery.expand([archive.path]), night: Self.night(day), nowMillis: 0)
            // Only tonight's file was read.
            #expect(outcome.reads.map(\.path) == [archive.appendingPathComponent("\(Self.night(day)).jsonl").path])
            #expect(outcome.skipped.count == day)
            let batch = Self.analysis()
            let all = batch.evaluate(batch.read(try InputDiscovery.expand([archive.path])))
            #expect(Self.verdicts(outcome.result.events) == Self.verdicts(all.events))
            #expect(outcome.document.days.count == day + 1)
            #expect(outcome.summary.sources.reduce(0) { $0 + $1.lines } == 300 * (day + 1))
        }
        // The rollout on the third night is new, the first night's incidents are not.
        let store = try NightStore(folder: folder.appendingPathComponent("state").path)
        #expect(try store.nights() == [Self.night(0), Self.night(1), Self.night(2)])
    }

    @Test func rerunningANightReplacesItAndCountsNothingTwice() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        var outcomes: [NightlyReport.Outcome] = []
        for day in 0..<2 {
            try Data(Self.inferenceDay(day).utf8).write(to: archive.appendingPathComponent("\(Self.night(day)).jsonl"))
            let store = try NightStore(folder: folder.appendingPathComponent("state").path)
            outcomes.append(
                try NightlyReport(analysis: Self.analysis(), store: store).run(
                    try InputDiscovery.expand([archive.path]), night: Self.night(day), nowMillis: 0))
        }
        let store = try NightStore(folder: folder.appendingPathComponent("state").path)
        let again = try NightlyReport(analysis: Self.analysis(), store: store).run(
            try InputDiscovery.expand([archive.path]), night: Self.night(1), nowMillis: 0)
        #expect(again.reads.count == 1)
        #expect(again.summary.sources.reduce(0) { $0 + $1.lines } == 600)
        #expect(Self.verdicts(again.result.events) == Self.verdicts(outcomes[1].result.events))
        #expect(again.newOrUpdated.map(\.id).sorted() == outcomes[1].newOrUpdated.map(\.id).sorted())
        #expect(again.document.incidents == outcomes[1].document.incidents)
    }

    @Test func aGrownPlainFileIsReadFromWhereTheLastNightStopped() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("archive/inference.jsonl")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        let first = Self.inferenceDay(0)
        try Data(first.utf8).write(to: log)
        let state = folder.appendingPathComponent("state").path
        _ = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            [InputSource(path: log.path, size: nil)], night: Self.night(0), nowMillis: 0)
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(Self.inferenceDay(1).utf8))
        try handle.close()
        let second = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            [InputSource(path: log.path, size: nil)], night: Self.night(1), nowMillis: 0)
        #expect(second.reads.first?.startOffset == Int64(first.utf8.count))
        #expect(second.tonightSummary.sources.first?.lines == 300)
        #expect(second.summary.sources.reduce(0) { $0 + $1.lines } == 600)
        #expect(second.summary.sources.reduce(0) { $0 + $1.rejectedTotal } == 0)
        let batch = Self.analysis()
        let whole = batch.evaluate(batch.read([InputSource(path: log.path, size: nil)]))
        #expect(
            Self.verdicts(second.result.events).filter { !$0.contains("integrity") }
                == Self.verdicts(whole.events).filter { !$0.contains("integrity") })
    }

    /// A gzip log that had a member appended between nights (`cat day2.gz >> log.gz`, or a
    /// writer that closes a member per flush): the second night reads only the new member, from
    /// the byte where the first night's complete member ended, and counts nothing twice.
    @Test func aGzipFileThatGrewByAMemberIsReadOnlyForItsNewMember() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("archive/inference.jsonl.gz")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        let firstMember = try TestSupport.gzip(Data(Self.inferenceDay(0).utf8))
        try firstMember.write(to: log)
        let state = folder.appendingPathComponent("state").path
        let first = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            [InputSource(path: log.path, size: nil)], night: Self.night(0), nowMillis: 0)
        #expect(first.reads.first?.compression == "gzip")
        #expect(first.reads.first?.endOffset == Int64(firstMember.count))
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: try TestSupport.gzip(Data(Self.inferenceDay(1).utf8)))
        try handle.close()
        let second = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            [InputSource(path: log.path, size: nil)], night: Self.night(1), nowMillis: 0)
        #expect(second.reads.first?.startOffset == Int64(firstMember.count))
        #expect(second.tonightSummary.sources.first?.compression == .gzip)
        #expect(second.tonightSummary.sources.first?.lines == 300)
        #expect(second.summary.sources.reduce(0) { $0 + $1.lines } == 600)
        #expect(second.summary.sources.reduce(0) { $0 + $1.rejectedTotal } == 0)
        let batch = Self.analysis()
        let whole = batch.evaluate(batch.read([InputSource(path: log.path, size: nil)]))
        #expect(
            Self.verdicts(second.result.events).filter { !$0.contains("integrity") }
                == Self.verdicts(whole.events).filter { !$0.contains("integrity") })
        // A third night with nothing appended reads nothing.
        let third = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            [InputSource(path: log.path, size: nil)], night: Self.night(2), nowMillis: 0)
        #expect(third.reads.isEmpty)
        #expect(third.summary.sources.reduce(0) { $0 + $1.lines } == 600)
    }

    /// A gzip file read while its member was still being written (the read ended inside it)
    /// and then completed: its earlier lines cannot be told apart from the new ones without
    /// decoding from the start, so it is skipped with a reason, never counted twice.
    @Test func aGzipFileReadMidMemberThenGrownIsSkippedWithItsReason() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("archive/inference.jsonl.gz")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        let member = try TestSupport.gzip(Data((Self.inferenceDay(0) + Self.inferenceDay(1)).utf8))
        try member.prefix(member.count / 2).write(to: log)
        let state = folder.appendingPathComponent("state").path
        let first = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            [InputSource(path: log.path, size: nil)], night: Self.night(0), nowMillis: 0)
        #expect(first.reads.first?.compression == "gzip-partial")
        let linesOnTheFirstNight = first.summary.sources.reduce(0) { $0 + $1.lines }
        #expect(linesOnTheFirstNight > 0 && linesOnTheFirstNight < 600)
        try member.write(to: log)
        let second = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            [InputSource(path: log.path, size: nil)], night: Self.night(1), nowMillis: 0)
        #expect(second.reads.isEmpty)
        #expect(second.skipped.map(\.path) == [log.path])
        #expect(second.skipped.first?.reason.contains("still being written") == true)
        #expect(second.summary.sources.reduce(0) { $0 + $1.lines } == linesOnTheFirstNight)
    }

    /// `--since` names the night a run adds (SPEC.md: `report --since yesterday` from cron) and
    /// `--until` the last day the trend charts show. Re-running an earlier night replaces it and
    /// drops the nights after it (their state was built on the replaced one), so a re-run from
    /// that night on gives what the first runs gave.
    @Test func sinceNamesTheNightAndUntilEndsTheCharts() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        let state = folder.appendingPathComponent("state").path
        var first: [NightlyReport.Outcome] = []
        for day in 0..<3 {
            try Data(Self.inferenceDay(day).utf8).write(to: archive.appendingPathComponent("\(Self.night(day)).jsonl"))
            first.append(
                try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
                    try InputDiscovery.expand([archive.path]), night: Self.night(day), nowMillis: 0))
        }
        #expect(first[2].document.days.map(\.day) == [Self.night(0), Self.night(1), Self.night(2)])
        // Night 1 again, charts until night 0: the later night is gone, both files after night 0
        // are read, the charts stop at night 0, the verdicts are the first night 2's (all input).
        let again = try NightlyReport(analysis: Self.analysis(), store: try NightStore(folder: state)).run(
            try InputDiscovery.expand([archive.path]), night: Self.night(1), nowMillis: 0, untilDay: Self.night(0))
        #expect(try NightStore(folder: state).nights() == [Self.night(0), Self.night(1)])
        #expect(again.reads.count == 2)
        #expect(again.summary.sources.reduce(0) { $0 + $1.lines } == 900)
        #expect(again.document.days.map(\.day) == [Self.night(0)])
        #expect(Self.verdicts(again.result.events) == Self.verdicts(first[2].result.events))
        // The command line: `yesterday` is the UTC day before today, dates are checked, and
        // `--until` before `--since` is a usage error (exit 2) that leaves the state alone.
        let html = folder.appendingPathComponent("latest.html").path
        let yesterday = ReportFigures.dayLabel(Int64(Date().timeIntervalSince1970 * 1000) - 86_400_000)
        let cron = try CommandLineTests.run([
            "report", archive.path, "--state", state, "--report", html, "--since", "yesterday",
        ])
        #expect(cron.status == 0, "\(cron.standardError)")
        #expect(cron.standardOutput.hasPrefix("night \(yesterday):"), "\(cron.standardOutput)")
        #expect(try NightStore(folder: state).nights().last == yesterday)
        for bad in [
            ["--since", "2025-02-30"], ["--since", "2025-2-3"], ["--until", "tomorrow"],
            ["--since", Self.night(2), "--until", Self.night(1)],
        ] {
            let run = try CommandLineTests.run(["report", archive.path, "--state", state, "--report", html] + bad)
            #expect(run.status == 2, "\(bad)")
        }
        #expect(try NightStore(folder: state).nights().last == yesterday)
    }

    @Test func aDamagedForeignOrLockedDatabaseIsRefusedAndLeftAsItIs() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Not SQLite at all.
        let damaged = folder.appendingPathComponent("damaged")
        try FileManager.default.createDirectory(at: damaged, withIntermediateDirectories: true)
        let junk = Data(repeating: 0x5A, count: 8192)
        try junk.write(to: damaged.appendingPathComponent(NightStore.databaseName))
        #expect(throws: NightStoreError.self) { try NightStore(folder: damaged.path) }
        #expect(try Data(contentsOf: damaged.appendingPathComponent(NightStore.databaseName)) == junk)
        // Another program's SQLite database (made by Python's sqlite3, an independent writer).
        let foreign = folder.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        let path = foreign.appendingPathComponent(NightStore.databaseName).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()", path,
        ]
        try process.run()
        process.waitUntilExit()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try NightStore(folder: foreign.path)
            Issue.record("a foreign database was accepted")
        } catch {
            #expect(error.description.contains("another program"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        // Two runs at once: the second is refused while the first holds the lock.
        let shared = folder.appendingPathComponent("shared").path
        let holder = try NightStore(folder: shared)
        do {
            _ = try NightStore(folder: shared)
            Issue.record("a second writer got the lock")
        } catch {
            #expect(error.description.contains("lock"))
        }
        _ = holder
    }

    @Test func reportCommandExitsTwoOnADamagedDatabaseAndWritesTheReport() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive, withIntermediateDirectories: true)
        try Data(Self.inferenceDay(0).utf8).write(to: archive.appendingPathComponent("a.jsonl"))
        let state = folder.appendingPathComponent("state")
        let html = folder.appendingPathComponent("latest.html").path
        let good = try CommandLineTests.run([
            "report", archive.path, "--state", state.path, "--report", html, "--since", Self.night(0),
        ])
        #expect(good.status == 0, "\(good.standardError)")
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("night \(Self.night(0))"))
        try Data(repeating: 0x41, count: 4096).write(to: state.appendingPathComponent(NightStore.databaseName))
        let bad = try CommandLineTests.run([
            "report", archive.path, "--state", state.path, "--report", html, "--since", Self.night(1),
        ])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("not a modelwatch state database"))
        let usage = try CommandLineTests.run([
            "report", archive.path, "--state", state.path, "--report", html, "--since", "2025-13-01",
        ])
        #expect(usage.status == 2)
    }
}
