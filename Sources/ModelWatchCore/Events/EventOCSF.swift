/// Writes an event as an OCSF 1.x Detection Finding (class `detection_finding`, class_uid 2004,
/// category Findings 2) for `--events-format ocsf`.
///
/// Fields (OCSF schema 1.5.0, schema.ocsf.io/1.5.0/classes/detection_finding): `activity_id`
/// (1 Create: batch events are complete incidents; `update`/`close` when the event says so),
/// `category_uid` 2, `class_uid` 2004, `type_uid` = class_uid × 100 + activity_id,
/// `severity_id` (1 Informational … 5 Critical), `status_id` 1 New, `time` (epoch ms, the end
/// of the evidence), `start_time`/`end_time`, `message`, `metadata` (`product.name`,
/// `version` of the schema, `uid` the stable event id, `labels` the ISO ids),
/// `finding_info` (`uid`, `title`, `desc`, `types`, `tags` with the ISO ids as `name`/`value`
/// pairs, and `attacks`: OCSF's attack objects are shaped for MITRE ATT&CK, so each ATLAS id is
/// a `technique.uid` with `version` naming ATLAS), `resources` naming the entity, and the
/// numbers behind the verdict under `unmapped`.
public enum EventOCSF {
    /// The OCSF schema version the findings follow.
    public static let schemaVersion = "1.5.0"
    static let classUID = 2004
    static let categoryUID = 2

    public static func finding(for event: Event, activity: Int = 1) -> String {
        let quoted = EventJSON.quoted
        let controls = event.type.controls
        let labels = controls.iso2022.map { "iso27001_2022:" + $0 } + controls.iso2013.map { "iso27001_2013:" + $0 }
        var out = "{\"activity_id\":\(activity)"
        out += ",\"activity_name\":" + quoted(activity == 2 ? "Update" : activity == 3 ? "Close" : "Create")
        out += ",\"category_uid\":\(categoryUID),\"category_name\":\"Findings\""
        out += ",\"class_uid\":\(classUID),\"class_name\":\"Detection Finding\""
        out += ",\"type_uid\":\(classUID * 100 + activity)"
        out += ",\"severity_id\":\(event.severity.rawValue + 1)"
        out += ",\"severity\":" + quoted(severityName(event.severity))
        out += ",\"status_id\":1,\"status\":\"New\""
        out += ",\"time\":\(event.endMillis)"
        out += ",\"start_time\":\(event.startMillis),\"end_time\":\(event.endMillis)"
        out += ",\"message\":" + quoted(event.message)
        out += ",\"metadata\":{\"version\":" + quoted(schemaVersion)
        out += ",\"product\":{\"name\":\"modelwatch\",\"vendor_name\":\"modelwatch\"}"
        out += ",\"uid\":" + quoted(event.id)
        out += ",\"labels\":[" + labels.map(quoted).joined(separator: ",") + "]}"
        out += ",\"finding_info\":{\"uid\":" + quoted(event.id)
        out += ",\"title\":" + quoted(event.typeName)
        out += ",\"desc\":" + quoted(event.message)
        out += ",\"types\":[" + quoted(event.type.rawValue) + "]"
        out += ",\"first_seen_time\":\(event.startMillis),\"last_seen_time\":\(event.endMillis)"
        out += ",\"tags\":["
        out +=
            (controls.iso2022.map { "{\"name\":\"iso27001_2022\",\"value\":" + quoted($0) + "}" }
            + controls.iso2013.map { "{\"name\":\"iso27001_2013\",\"value\":" + quoted($0) + "}" })
            .joined(separator: ",")
        out += "]"
        if !event.atlas.isEmpty {
            out += ",\"attacks\":["
            out += event.atlas.map { "{\"technique\":{\"uid\":" + quoted($0) + "},\"version\":\"MITRE ATLAS\"}" }
                .joined(separator: ",")
            out += "]"
        }
        out += "}"
        out += ",\"resources\":[" + resources(event).joined(separator: ",") + "]"
        out += ",\"unmapped\":{\"entity\":" + SIEMDocument.entity(event)
        out += ",\"evidence\":" + SIEMDocument.evidence(event)
        if !event.owasp.isEmpty { out += ",\"owasp\":[" + event.owasp.map(quoted).joined(separator: ",") + "]" }
        return out + "}}"
    }

    /// The entity's members as OCSF resource details (`name`, `type`).
    static func resources(_ event: Event) -> [String] {
        event.entity.members.map { "{\"type\":" + EventJSON.quoted($0.0) + ",\"name\":" + EventJSON.quoted($0.1) + "}" }
    }

    /// OCSF `severity_id` captions.
    static func severityName(_ severity: Severity) -> String {
        switch severity {
        case .info: "Informational"
        case .low: "Low"
        case .medium: "Medium"
        case .high: "High"
        case .critical: "Critical"
        }
    }
}
