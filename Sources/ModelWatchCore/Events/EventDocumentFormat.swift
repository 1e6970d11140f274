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
