/// Raises `ops.change` (ISO 27001:2022 8.32, 2013 A.12.1.2) when a model version appears that was
/// not there when the input began.
///
/// A version counts as present from the start when it was seen within `initialGraceMillis` of the
/// model's first record (several versions may serve side by side). A later version is one change,
/// however many hosts it reaches: the event's window runs from its first record on any host to
/// its first record on the last host, and the evidence names both hosts and the versions those
/// hosts served before. A change that an approval in the configuration covers is `info` (the
/// audit trail); one that no approval names is `medium`.
///
/// Reads only the window table; first-seen times come from each window's exact first record, so
/// they do not depend on the window length.
public struct ChangeDetector: Sendable {
    public var configuration: DetectorConfiguration
    public var initialGraceMillis: Int64 = 3_600_000

    public init(configuration: DetectorConfiguration = DetectorConfiguration()) {
        self.configuration = configuration
    }

    public func events(for summary: AnalysisSummary) -> [Event] {
        // First record of each (model, version) on each host, and of each model.
        var firstSeen: [String: [String: [String: Int64]]] = [:]  // model -> version -> host -> millis
        var modelStart: [String: Int64] = [:]
        var records: [String: [String: Int]] = [:]
        for (key, window) in summary.windows {
            guard let model = key.model, let version = key.modelVersion, window.records > 0 else { continue }
            let host = key.host ?? "(no host)"
            let seen = firstSeen[model, default: [:]][version, default: [:]][host] ?? .max
            firstSeen[model, default: [:]][version, default: [:]][host] = min(seen, window.firstMillis)
            modelStart[model] = min(modelStart[model] ?? .max, window.firstMillis)
            records[model, default: [:]][version, default: 0] += window.records
        }
        var events: [Event] = []
        for (model, versions) in firstSeen {
            guard let start = modelStart[model] else { continue }
            for (version, hosts) in versions {
                let first = hosts.values.min() ?? .max
                guard first > start + initialGraceMillis else { continue }
                let ordered = hosts.sorted { ($0.value, $0.key) < ($1.value, $1.key) }
                let firstHost = ordered[0]
                let lastHost = ordered[ordered.count - 1]
                // Versions each of these hosts served before the change reached it.
                var before = Set<String>()
                for (otherVersion, otherHosts) in versions where otherVersion != version {
                    for (host, seen) in otherHosts where hosts[host].map({ seen < $0 }) ?? false {
                        before.insert(otherVersion)
                    }
                }
                let approved = configuration.approvedChanges.contains {
                    $0.covers(model: model, version: version, at: first)
                }
                let evidence: [(String, EvidenceValue)] = [
                    ("version", .text(version)),
                    ("versions_before", .text(before.sorted().joined(separator: ", "))),
                    ("first_host", .text(firstHost.key)),
                    ("first_seen", .text(TimestampParser.formatRFC3339(millis: firstHost.value))),
                    ("last_host", .text(lastHost.key)),
                    ("last_host_first_seen", .text(TimestampParser.formatRFC3339(millis: lastHost.value))),
                    ("hosts", .integer(Int64(hosts.count))),
                    ("records", .integer(Int64(records[model]?[version] ?? 0))),
                    ("approved", .flag(approved)),
                ]
                let rollout =
                    hosts.count > 1
                    ? "rolled out from \(firstHost.key) to \(lastHost.key) over \(Self.duration(lastHost.value - firstHost.value)) on \(hosts.count) hosts"
                    : "appeared on \(firstHost.key)"
                let previous = before.isEmpty ? "" : " (replacing \(before.sorted().joined(separator: ", ")))"
                let message =
                    approved
                    ? "\(model) \(version)\(previous) \(rollout), as an approved change allows."
                    : "\(model) \(version)\(previous) \(rollout), and no approved change names it: confirm it with the model owner and record the change, or roll it back."
                let event = Event(
                    type: .opsChange, severity: approved ? .info : .medium, startMillis: firstHost.value,
                    endMillis: lastHost.value, entity: EventEntity(model: model), evidence: evidence, message: message,
                    count: hosts.count)
                events.append(event)
            }
        }
        return events.sorted { ($0.startMillis, $0.id) < ($1.startMillis, $1.id) }
    }

    static func duration(_ millis: Int64) -> String {
        let seconds = millis / 1000
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
