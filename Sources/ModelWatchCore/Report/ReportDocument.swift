/// Everything the HTML and Markdown reports show, gathered from an analysis summary and its
/// evaluation: plain values only, so the renderers know nothing of sketches or detectors, and
/// a night's figures can be stored and read back (`Codable`).
///
/// The summary is read through the small `ReportFigures` accessors below, so when feature state
/// moves inside `AnalysisSummary` only those functions change.
public struct ReportDocument: Sendable, Codable, Equatable {
    /// What the report covers, in a few words ("batch run", "night 2026-11-19").
    public var scope: String
    /// When the report was made, RFC 3339.
    public var generated: String
    /// Per UTC day of the data (a night of the nightly report), oldest first.
    public var days: [DayFigures]
    /// Incidents, worst first.
    public var incidents: [ReportIncident]
    /// Each model's drift statistic per drift window, per quantity.
    public var drift: [DriftSeries]
    /// The riskiest clients and addresses, worst first.
    public var abuse: [AbuseRow]
    /// One row per catalogue entry, 2022 control first.
    public var controls: [ControlRow]
    /// The busiest gateway clients and addresses, and the addresses that probed.
    public var gatewayClients: [PrincipalRow]
    public var gatewayAddresses: [PrincipalRow]
    /// The paths answered 4xx/5xx most often (query strings left off), and the busiest user
    /// agents: log text as written, the renderers escape it.
    public var gatewayFailingPaths: [PrincipalRow]
    public var gatewayUserAgents: [PrincipalRow]
    public var probes: [ProbeRow]
    /// Every source read, with its accounting.
    public var sources: [SourceRow]

    public init(
        scope: String, generated: String, days: [DayFigures], incidents: [ReportIncident],
        drift: [DriftSeries], abuse: [AbuseRow], controls: [ControlRow], gatewayClients: [PrincipalRow],
        gatewayAddresses: [PrincipalRow], gatewayFailingPaths: [PrincipalRow] = [],
        gatewayUserAgents: [PrincipalRow] = [], probes: [ProbeRow], sources: [SourceRow]
    ) {
        self.scope = scope
        self.generated = generated
        self.days = days
        self.incidents = incidents
        self.drift = drift
        self.abuse = abuse
        self.controls = controls
        self.gatewayClients = gatewayClients
        self.gatewayAddresses = gatewayAddresses
        self.gatewayFailingPaths = gatewayFailingPaths
        self.gatewayUserAgents = gatewayUserAgents
        self.probes = probes
        self.sources = sources
    }

    /// The models seen on any day, sorted.
    public var models: [String] { Array(Set(days.flatMap { $0.models.map(\.model) })).sorted() }
}

/// One UTC day's figures: per model volume, latency, errors and tokens, and the gateway's
/// answers by status class.
public struct DayFigures: Sendable, Codable, Equatable {
    /// `YYYY-MM-DD`.
    public var day: String
    public var startMillis: Int64
    public var models: [ModelDay]
    /// Gateway (access-log) answers by status class: index 0 = no status, 1 = 1xx ... 5 = 5xx.
    public var gatewayStatusClasses: [Int]

    public func model(_ name: String) -> ModelDay? { models.first { $0.model == name } }
}

/// One model on one day.
public struct ModelDay: Sendable, Codable, Equatable {
    public var model: String
    public var records: Int
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    /// Share of 5xx and 429 answers.
    public var errorShare: Double
    public var promptTokens: Int
    public var completionTokens: Int

    public var tokens: Int { promptTokens + completionTokens }
}

/// Whether an incident is new tonight, went on from an earlier night, or ended before tonight.
public enum IncidentStatus: String, Sendable, Codable, Comparable, CaseIterable {
    case new, ongoing, resolved

    /// New first, then ongoing, then resolved: the order a reader acts in.
    var rank: Int {
        switch self {
        case .new: 0
        case .ongoing: 1
        case .resolved: 2
        }
    }

    public static func < (lhs: IncidentStatus, rhs: IncidentStatus) -> Bool { lhs.rank < rhs.rank }
}

/// One event as the report lists it.
public struct ReportIncident: Sendable, Codable, Equatable {
    public var id: String
    public var type: String
    public var severity: String
    public var severityRank: Int
    public var iso2022: String
    public var iso2013: String
    public var start: String
    public var end: String
    /// `name=value` pairs of the entity, log text as written (renderers escape it).
    public var entity: String
    public var message: String
    public var count: Int?
    public var status: IncidentStatus
    /// The nights the incident was first and last seen in (the nightly report), else nil.
    public var firstNight: String?
    public var lastNight: String?

    public init(_ event: Event, status: IncidentStatus = .new, firstNight: String? = nil, lastNight: String? = nil) {
        id = event.id
        type = event.typeName
        severity = event.severity.name
        severityRank = event.severity.rawValue
        iso2022 = event.type.controls.iso2022.joined(separator: ", ")
        iso2013 = event.type.controls.iso2013.joined(separator: ", ")
        start = TimestampParser.formatRFC3339(millis: event.startMillis)
        end = TimestampParser.formatRFC3339(millis: event.endMillis)
        entity = event.entity.members.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        message = event.message
        count = event.count
        self.status = status
        self.firstNight = firstNight
        self.lastNight = lastNight
    }
}

/// One quantity of one model: its drift statistic per window against the threshold.
public struct DriftSeries: Sendable, Codable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        public var day: String
        public var statistic: String
        public var value: Double
        public var threshold: Double
        /// Value over threshold; 1 is the threshold, whatever the statistic.
        public var ratio: Double
        public var drifted: Bool
    }

    public var model: String
    public var subject: String
    public var kind: String
    public var points: [Point]

    public var worstRatio: Double { points.map(\.ratio).max() ?? 0 }
}

/// A client or address with abuse signals, with its worst severity per day for the trend.
public struct AbuseRow: Sendable, Codable, Equatable {
    public var entity: String
    public var worst: String
    public var worstRank: Int
    public var types: [String]
    public var signals: [String]
    public var windows: Int
    public var firstSeen: String
    /// Worst severity rank (`Severity.rawValue`) of the events that started each day; -1 none.
    public var perDay: [Int]
}

/// One catalogue entry: checked or not (and why not), and what was found.
public struct ControlRow: Sendable, Codable, Equatable {
    public var iso2022: String
    public var iso2013: String
    public var type: String
    /// `checked`, `not checkable` or `not checked`.
    public var status: String
    /// Why a control is not checked, or what was found.
    public var note: String
    public var events: Int
    public var worst: String?
}

/// A busy client or address of the gateway.
public struct PrincipalRow: Sendable, Codable, Equatable {
    public var key: String
    public var requests: Int
    public var clientErrors: Int
    public var serverErrors: Int
    public var authFailures: Int
    public var throttled: Int
}

/// An address whose requests matched probe or scanner signatures.
public struct ProbeRow: Sendable, Codable, Equatable {
    public var key: String
    public var hits: Int
    public var answered: Int
    /// Paths and user agents it sent (a bounded sample, log text as written).
    public var samples: [String]
    public var tags: [String]
}

/// One input's accounting.
public struct SourceRow: Sendable, Codable, Equatable {
    public var path: String
    public var kind: String
    public var compression: String
    public var bytesRead: Int64
    public var lines: Int
    public var parsed: Int
    /// Rejected lines by reason name, reasons with none left out.
    public var rejected: [String: Int]
    /// Records stamped in the future (the batch run's notion of late input).
    public var late: Int
    /// What a damaged archive lost, in words ("truncated at 1234"), or nil.
    public var lost: String?
    public var lostCompressedBytes: Int64
    public var start: String?
    public var end: String?

    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
}
