/// How `--events` writes each event: SPEC.md's native JSON lines, an Elastic Common Schema
/// alert document, or an OCSF Detection Finding. One JSON object per line in all three.
public enum EventDocumentFormat: String, Sendable, CaseIterable {
    case native
    case ecs
    case ocsf

    public func line(for event: Event) -> String {
        switch self {
        case .native: EventJSON.line(for: event)
        case .ecs: EventECS.document(for: event)
        case .ocsf: EventOCSF.finding(for: event)
        }
    }

    /// The event as one `live` incident line with its `activity` (SPEC.md: `create`, `update`,
    /// `close`, as OCSF's activity_id 1, 2, 3): native gives it as the `activity` member, OCSF as
    /// `activity_id`/`activity_name`/`type_uid`, ECS under the custom `modelwatch.activity`
    /// (ECS 8.17 has no field for a finding's life cycle; custom fields go outside its field sets).
    public func line(for event: Event, activity: IncidentActivity) -> String {
        switch self {
        case .native: Self.withActivity(EventJSON.line(for: event), activity.rawValue)
        case .ecs:
            // The document ends with the `modelwatch` object's `}` and then its own.
            String(EventECS.document(for: event).dropLast(2)) + ",\"activity\":" + EventJSON.quoted(activity.rawValue)
                + "}}"
        case .ocsf: EventOCSF.finding(for: event, activity: activity.ocsfActivityID)
        }
    }

    /// A native event line (a JSON object) with `"activity"` as its last member.
    static func withActivity(_ line: String, _ activity: String) -> String {
        String(line.dropLast()) + ",\"activity\":" + EventJSON.quoted(activity) + "}"
    }
}

/// Where an incident is in its life as `live` writes it (SPEC.md, events: `activity`).
public enum IncidentActivity: String, Sendable, Codable, CaseIterable {
    case create
    case update
    case close

    /// OCSF 1.5.0 Detection Finding `activity_id`: 1 Create, 2 Update, 3 Close.
    public var ocsfActivityID: Int {
        switch self {
        case .create: 1
        case .update: 2
        case .close: 3
        }
    }
}

/// Shared pieces of the SIEM documents.
enum SIEMDocument {
    static let product = "modelwatch"

    /// The entity as a JSON object of its named members.
    static func entity(_ event: Event) -> String {
        "{" + event.entity.members.map { EventJSON.quoted($0.0) + ":" + EventJSON.quoted($0.1) }.joined(separator: ",")
            + "}"
    }

    static func evidence(_ event: Event) -> String {
        "{" + event.evidence.map { EventJSON.quoted($0.0) + ":" + EventJSON.value($0.1) }.joined(separator: ",") + "}"
    }

    static func time(_ millis: Int64) -> String { EventJSON.quoted(TimestampParser.formatRFC3339(millis: millis)) }
}
