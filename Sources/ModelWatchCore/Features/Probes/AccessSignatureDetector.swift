/// Raises `ops.vuln_probe` (2022 8.8, 2013 A.12.6.1) for addresses that sent scanner user agents
/// or probed known-weak paths, and `ops.admin_action` (2022 8.15, 2013 A.12.4.3) for calls to
/// administrative paths: one event per address or principal, folded over the whole input.
///
/// Probes: `low` for one or two probe requests (crawlers stumble on `/.env` too), `medium` from
/// three or with a scanner's user agent, `high` when a probe was answered 2xx/3xx (something may
/// be exposed). An address that got 4xx answers for more than `burstDistinctPaths` different
/// paths within one minute is probing too, whatever its agent and paths (CrowdSec's
/// `http-probing` shape): folded into its signature event when it has one, else its own
/// `ops.vuln_probe.path_burst` at medium. Admin calls: `info` as the audit trail, `high` when administrators are configured
/// and a principal that is not one of them got an answer (2xx/3xx), `low` when every such call
/// was refused; a refused anonymous call from an address that also probed is left to its probe
/// event.
public struct AccessSignatureDetector: Sendable, Equatable, ConfigurableSettings {
    public var administrators: Set<String>
    public var probeThreshold = 3
    /// More distinct 4xx paths than this in one minute from one address is a probing burst
    /// (CrowdSec `crowdsecurity/http-probing`: bucket capacity 10, distinct by path).
    public var burstDistinctPaths = 10

    public init(administrators: Set<String>) {
        self.administrators = administrators
    }

    /// The default thresholds and no administrators (the `--config` file's `administrators`
    /// member fills them in).
    public init() {
        self.init(administrators: [])
    }

    public func events(for summary: AnalysisSummary) -> [Event] {
        var events: [Event] = []
        var bursts: [String: [PathBurstCell]] = [:]
        for cell in summary.pathBursts.cells.values where cell.distinctPaths > burstDistinctPaths {
            bursts[cell.address, default: []].append(cell)
        }
        for (address, finding) in summary.probes.findings {
            let severity: Severity =
                finding.successes > 0
                ? .high : (finding.hits >= probeThreshold || !finding.tags.isEmpty ? .medium : .low)
            let tools = finding.tags.isEmpty ? "" : " with \(finding.tags.joined(separator: ", "))"
            var message = "\(address) sent \(finding.hits) probe request(s)\(tools) for known weaknesses"
            message += " (\(finding.samples.prefix(3).joined(separator: ", ")))"
            message +=
                finding.successes > 0
                ? "; \(finding.successes) were answered with success: check what those paths expose and block the address."
                : "; none succeeded. Block the address at the gateway if it continues."
            var event = Event(
                type: .opsVulnProbe, severity: severity, startMillis: finding.firstMillis,
                endMillis: finding.lastMillis,
                entity: EventEntity(ip: address),
                evidence: [
                    ("probe_requests", .integer(Int64(finding.hits))),
                    ("successful", .integer(Int64(finding.successes))),
                    ("scanner_agents", .text(finding.tags.joined(separator: ", "))),
                    ("sample_paths", .text(finding.samples.joined(separator: " "))),
                    ("threshold", .integer(Int64(probeThreshold))),
                ],
                message: message, count: finding.hits)
            if let cells = bursts.removeValue(forKey: address) {
                event.evidence.append(("burst_minutes", .integer(Int64(cells.count))))
                event.evidence.append(
                    ("peak_distinct_4xx_paths_per_minute", .integer(Int64(cells.map(\.distinctPaths).max() ?? 0))))
            }
            event.atlas = ["AML.T0006"]
            events.append(event)
        }
        for (address, cells) in bursts {
            events.append(burstEvent(address: address, cells: cells))
        }
        for (principal, finding) in summary.adminCalls.findings {
            // An anonymous, refused call from an address that also probed is part of the probe.
            if finding.keyIsAddress && finding.successes == 0 && summary.probes.findings[principal] != nil { continue }
            let unexpected = !administrators.isEmpty && !administrators.contains(principal)
            let listed =
                administrators.isEmpty
                ? "no administrators are configured"
                : (unexpected ? "not a configured administrator" : "a configured administrator")
            let message =
                "\(principal) made \(finding.hits) administrative call(s) (\(finding.samples.prefix(3).joined(separator: ", "))), \(finding.successes) succeeded; \(listed)"
                + (unexpected ? ": confirm the call was authorised and review the key's rights." : ".")
            events.append(
                Event(
                    type: .opsAdminAction, severity: unexpected ? (finding.successes > 0 ? .high : .low) : .info,
                    startMillis: finding.firstMillis,
                    endMillis: finding.lastMillis,
                    entity: finding.keyIsAddress ? EventEntity(ip: principal) : EventEntity(client: principal),
                    evidence: [
                        ("calls", .integer(Int64(finding.hits))),
                        ("successful", .integer(Int64(finding.successes))),
                        ("paths", .text(finding.samples.joined(separator: "; "))),
                        ("addresses", .text(finding.tags.joined(separator: ", "))),
                        ("configured_administrator", .flag(administrators.contains(principal))),
                    ],
                    message: message, count: finding.hits))
        }
        return events.sorted { ($0.startMillis, $0.id) < ($1.startMillis, $1.id) }
    }

    private func burstEvent(address: String, cells: [PathBurstCell]) -> Event {
        var total = PathBurstCell()
        for cell in cells { total.merge(cell) }
        let peak = cells.map(\.distinctPaths).max() ?? 0
        var event = Event(
            type: .opsVulnProbe, subtype: "path_burst", severity: .medium, startMillis: total.firstMillis,
            endMillis: total.lastMillis, entity: EventEntity(ip: address),
            evidence: [
                ("burst_minutes", .integer(Int64(cells.count))),
                ("peak_distinct_4xx_paths_per_minute", .integer(Int64(peak))),
                ("threshold", .integer(Int64(burstDistinctPaths))),
                ("client_error_requests", .integer(Int64(total.requests))),
                ("sample_paths", .text(total.samples.joined(separator: " "))),
            ],
            message:
                "\(address) asked for up to \(peak) different paths a minute that do not exist or are refused (\(total.requests) 4xx answers in \(cells.count) minute(s), e.g. \(total.samples.prefix(3).joined(separator: ", "))): a content scanner walking a word list. Block the address at the gateway if it continues.",
            count: total.requests)
        event.atlas = ["AML.T0006"]
        return event
    }
}
