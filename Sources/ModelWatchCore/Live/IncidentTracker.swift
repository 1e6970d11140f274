/// Turns successive evaluations of a growing summary into incident lines: `create` when an
/// event first appears, `update` when it changed since the line last written (at most once per
/// evaluation, and `live` evaluates at most once per closed window), `close` when it ended.
///
/// Events are keyed by `Event.id` (a hash of type, entity and start), which is what batch gives
/// for the same incident, so a consumer that keeps the last line per `id` ends with batch's
/// events. An incident closes when its evidence ended `quietMillis` of event time before the
/// watermark (it can no longer grow), when a later evaluation no longer reports it (the
/// evidence that raised it was outweighed by what came after), or when the run ends.
///
/// The tracker remembers every incident it wrote and the state of its last line, so the
/// checkpoint can carry it across a restart and nothing is written twice.
public struct IncidentTracker: Sendable {
    /// What the tracker knows of one incident: the line that closes it in its last state, and
    /// whether it was closed. Codable, so the checkpoint carries it across a restart.
    public struct Incident: Sendable, Codable, Equatable {
        /// The incident's last state as a `close` line in the run's events format: what is
        /// written when it ends without a new evaluation of it (the run stops, or a later
        /// evaluation no longer reports it).
        public var closeLine: String
        public var endMillis: Int64
        public var closed: Bool
        /// What decides whether the incident changed: severity, end, count and evidence.
        public var fingerprint: String
    }

    /// One line to write: the event's document with its `activity`.
    public struct Line: Sendable, Equatable {
        public var id: String
        public var activity: String
        /// The whole JSON object, without a newline.
        public var text: String
    }

    /// Event-time silence after an incident's last evidence before it is closed. 15 minutes:
    /// the capacity check folds flagged 5-minute windows at most one window apart (so an
    /// incident may resume 10 minutes after its last flagged window), and a logging gap needs 10
    /// minutes of silence; an incident quiet for longer has ended.
    public static let defaultQuietMillis: Int64 = 15 * 60_000

    public let quietMillis: Int64
    /// How each line is written (`--events-format`: native, ecs, ocsf).
    public let format: EventDocumentFormat
    public private(set) var incidents: [String: Incident] = [:]

    public init(quietMillis: Int64 = IncidentTracker.defaultQuietMillis, format: EventDocumentFormat = .native) {
        self.quietMillis = quietMillis
        self.format = format
    }

    /// Restores what an earlier run wrote (from its checkpoint).
    public init(
        quietMillis: Int64 = IncidentTracker.defaultQuietMillis, format: EventDocumentFormat = .native,
        incidents: [String: Incident]
    ) {
        self.quietMillis = quietMillis
        self.format = format
        self.incidents = incidents
    }

    /// Incidents written and not yet closed.
    public var openCount: Int { incidents.values.count { !$0.closed } }

    /// The lines to write after an evaluation: `events` is the evaluation's full event list;
    /// only events that started at or before `watermarkMillis` (their window has closed) are
    /// written. With `final`, every event is written and every open incident closed.
    public mutating func lines(for events: [Event], watermarkMillis: Int64, final: Bool = false) -> [Line] {
        var out: [Line] = []
        var seen = Set<String>()
        func emit(_ event: Event, _ activity: IncidentActivity) {
            out.append(
                Line(id: event.id, activity: activity.rawValue, text: format.line(for: event, activity: activity)))
        }
        for event in events {
            let id = event.id
            seen.insert(id)
            guard final || event.startMillis <= watermarkMillis else { continue }
            let fingerprint = Self.fingerprint(event)
            let ended = final || Self.add(event.endMillis, quietMillis) <= watermarkMillis
            if let known = incidents[id] {
                if known.closed { continue }
                let changed = known.fingerprint != fingerprint
                if changed {
                    emit(event, ended ? .close : .update)
                } else if ended {
                    out.append(Line(id: id, activity: IncidentActivity.close.rawValue, text: known.closeLine))
                }
                incidents[id] = Incident(
                    closeLine: changed ? format.line(for: event, activity: .close) : known.closeLine,
                    endMillis: event.endMillis, closed: ended, fingerprint: fingerprint)
            } else {
                emit(event, .create)
                if ended { emit(event, .close) }
                incidents[id] = Incident(
                    closeLine: format.line(for: event, activity: .close), endMillis: event.endMillis, closed: ended,
                    fingerprint: fingerprint)
            }
        }
        // Open incidents the evaluation no longer reports: closed with the last state written.
        for (id, incident) in incidents.sorted(by: { $0.key < $1.key })
        where !incident.closed && (!seen.contains(id) || final) {
            out.append(Line(id: id, activity: IncidentActivity.close.rawValue, text: incident.closeLine))
            incidents[id]?.closed = true
        }
        return out
    }

    /// `line` (a native JSON object) with `"activity"` as its last member.
    static func withActivity(_ line: String, _ activity: String) -> String {
        EventDocumentFormat.withActivity(line, activity)
    }

    /// Forgets closed incidents whose evidence ended before `millis`: an evaluation can no
    /// longer report them (their state was evicted), so remembering them only costs memory.
    public mutating func forget(closedBefore millis: Int64) {
        incidents = incidents.filter { !$0.value.closed || $0.value.endMillis >= millis }
    }

    static func fingerprint(_ event: Event) -> String {
        var text = "\(event.severity.rawValue)|\(event.endMillis)|\(event.count ?? -1)|"
        for (name, value) in event.evidence { text += name + "=" + EventJSON.value(value) + ";" }
        return text
    }

    static func add(_ millis: Int64, _ delta: Int64) -> Int64 {
        let (sum, overflow) = millis.addingReportingOverflow(delta)
        return overflow ? .max : sum
    }
}
