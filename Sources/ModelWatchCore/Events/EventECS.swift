/// Writes an event as an Elastic Common Schema 8.x alert document (SPEC.md, `--events-format
/// ecs`).
///
/// Fields (ECS 8.17 field reference): `@timestamp` (the end of the evidence window), `ecs.version`,
/// `event.kind: alert`, `event.category` and `event.type` from ECS's allowed values
/// ("ECS Categorization Fields"), `event.start`/`end`, `event.severity` (a number: info 1 …
/// critical 5) and `event.risk_score` (0–100), `event.id` (the event's stable id),
/// `event.action` (the dotted type), `event.reason` and `message`; `rule.id`, `rule.name`,
/// `rule.category`, `rule.ruleset`; `threat.framework` `MITRE ATLAS` with
/// `threat.technique.id` for ATLAS ids; the ISO ids in `labels` (`iso27001_2022`,
/// `iso27001_2013`; ECS labels are flat keyword values, so several ids are comma-joined);
/// `source.ip`, `user.name`, `host.name`, `file.path` from the entity; the rest under the
/// custom `modelwatch.*` namespace (ECS: custom fields go outside ECS's field sets).
public enum EventECS {
    /// The ECS version the documents follow.
    public static let version = "8.17.0"

    public static func document(for event: Event) -> String {
        let quoted = EventJSON.quoted
        let controls = event.type.controls
        var out = "{\"@timestamp\":" + SIEMDocument.time(event.endMillis)
        out += ",\"ecs\":{\"version\":" + quoted(version) + "}"
        out += ",\"event\":{\"kind\":\"alert\""
        out += ",\"category\":[" + categories(event.type).map(quoted).joined(separator: ",") + "]"
        out += ",\"type\":[\"indicator\"]"
        out += ",\"start\":" + SIEMDocument.time(event.startMillis)
        out += ",\"end\":" + SIEMDocument.time(event.endMillis)
        out += ",\"severity\":\(event.severity.rawValue + 1)"
        out += ",\"risk_score\":\(riskScore(event.severity))"
        out += ",\"id\":" + quoted(event.id)
        out += ",\"action\":" + quoted(event.typeName)
        out += ",\"dataset\":\"modelwatch.events\",\"module\":\"modelwatch\""
        out += ",\"reason\":" + quoted(event.message) + "}"
        out += ",\"message\":" + quoted(event.message)
        out += ",\"rule\":{\"id\":" + quoted(event.type.rawValue) + ",\"name\":" + quoted(event.typeName)
        out += ",\"category\":" + quoted(event.type.rawValue.split(separator: ".").first.map(String.init) ?? "")
        out += ",\"ruleset\":\"modelwatch\"}"
        if !event.atlas.isEmpty {
            out += ",\"threat\":{\"framework\":\"MITRE ATLAS\",\"technique\":{\"id\":["
            out += event.atlas.map(quoted).joined(separator: ",") + "]}}"
        }
        out += ",\"labels\":{\"iso27001_2022\":" + quoted(controls.iso2022.joined(separator: ","))
        out += ",\"iso27001_2013\":" + quoted(controls.iso2013.joined(separator: ",")) + "}"
        out += ",\"observer\":{\"product\":\"modelwatch\",\"vendor\":\"modelwatch\",\"type\":\"analyzer\"}"
        if let ip = event.entity.ip { out += ",\"source\":{\"ip\":" + quoted(ip) + "}" }
        if let client = event.entity.client { out += ",\"user\":{\"name\":" + quoted(client) + "}" }
        if let host = event.entity.host { out += ",\"host\":{\"name\":" + quoted(host) + "}" }
        if let source = event.entity.source { out += ",\"file\":{\"path\":" + quoted(source) + "}" }
        out += ",\"modelwatch\":{\"entity\":" + SIEMDocument.entity(event)
        out += ",\"evidence\":" + SIEMDocument.evidence(event)
        if let count = event.count { out += ",\"count\":\(count)" }
        if !event.owasp.isEmpty { out += ",\"owasp\":[" + event.owasp.map(quoted).joined(separator: ",") + "]" }
        return out + "}}"
    }

    /// `event.category` values (ECS allowed values) for each catalogue type.
    static func categories(_ type: EventType) -> [String] {
        switch type {
        case .abuseCredentialStuffing, .abuseKeySharing: ["authentication", "intrusion_detection"]
        case .abuseExtraction, .abuseRate: ["intrusion_detection", "api"]
        case .opsVulnProbe: ["intrusion_detection", "web"]
        case .opsAdminAction: ["iam", "web"]
        case .opsChange, .opsEnvSeparation: ["configuration"]
        case .opsLoggingIntegrity, .opsLoggingGap: ["file"]
        case .opsCapacity, .opsClockSkew: ["host"]
        case .driftFeature, .driftPrediction, .qualityAccuracyDrop, .qualityData: ["api"]
        }
    }

    /// Elastic's detection-rule convention: low 21, medium 47, high 73, critical 99.
    static func riskScore(_ severity: Severity) -> Int {
        switch severity {
        case .info: 0
        case .low: 21
        case .medium: 47
        case .high: 73
        case .critical: 99
        }
    }
}
