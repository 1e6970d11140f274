/// How serious an event is, in the order SPEC.md gives.
public enum Severity: Int, Comparable, CaseIterable, Sendable {
    case info, low, medium, high, critical

    public var name: String {
        switch self {
        case .info: "info"
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        case .critical: "critical"
        }
    }

    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = match
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The ISO/IEC 27001 controls an event type maps to (SPEC.md, "Event catalogue"):
/// the 2022 Annex A id first, the 2013 id beside it.
public struct ControlMapping: Sendable, Equatable {
    public var iso2022: [String]
    public var iso2013: [String]
}

/// The event types of SPEC.md's catalogue, with their controls.
public enum EventType: String, CaseIterable, Sendable {
    case driftFeature = "drift.feature"
    case driftPrediction = "drift.prediction"
    case qualityAccuracyDrop = "quality.accuracy_drop"
    case qualityData = "quality.data"
    case abuseExtraction = "abuse.extraction"
    case abuseRate = "abuse.rate"
    case abuseCredentialStuffing = "abuse.credential_stuffing"
    case abuseKeySharing = "abuse.key_sharing"
    case opsChange = "ops.change"
    case opsCapacity = "ops.capacity"
    case opsEnvSeparation = "ops.env_separation"
    case opsLoggingGap = "ops.logging.gap"
    case opsLoggingIntegrity = "ops.logging.integrity"
    case opsAdminAction = "ops.admin_action"
    case opsClockSkew = "ops.clock_skew"
    case opsVulnProbe = "ops.vuln_probe"

    public var controls: ControlMapping {
        switch self {
        case .driftFeature, .driftPrediction, .qualityAccuracyDrop, .qualityData:
            ControlMapping(iso2022: ["8.16"], iso2013: ["A.12.4.1"])
        case .abuseExtraction: ControlMapping(iso2022: ["8.16"], iso2013: ["A.14.1.2"])
        case .abuseRate: ControlMapping(iso2022: ["8.6"], iso2013: ["A.12.1.3"])
        case .abuseCredentialStuffing: ControlMapping(iso2022: ["8.5"], iso2013: ["A.9.4.2"])
        case .abuseKeySharing: ControlMapping(iso2022: ["5.17"], iso2013: ["A.9.2.4"])
        case .opsChange: ControlMapping(iso2022: ["8.32"], iso2013: ["A.12.1.2"])
        case .opsCapacity: ControlMapping(iso2022: ["8.6"], iso2013: ["A.12.1.3"])
        case .opsEnvSeparation: ControlMapping(iso2022: ["8.31"], iso2013: ["A.12.1.4"])
        case .opsLoggingGap: ControlMapping(iso2022: ["8.15"], iso2013: ["A.12.4.1"])
        case .opsLoggingIntegrity: ControlMapping(iso2022: ["8.15"], iso2013: ["A.12.4.2"])
        case .opsAdminAction: ControlMapping(iso2022: ["8.15"], iso2013: ["A.12.4.3"])
        case .opsClockSkew: ControlMapping(iso2022: ["8.17"], iso2013: ["A.12.4.4"])
        case .opsVulnProbe: ControlMapping(iso2022: ["8.8"], iso2013: ["A.12.6.1"])
        }
    }
}

/// A value in an event's `evidence` object: numbers stay numbers in the JSON.
public enum EvidenceValue: Sendable, Equatable {
    case integer(Int64)
    case number(Double)
    case text(String)
    case flag(Bool)
}

/// What an event is about (SPEC.md `entity`); absent members are left out of the JSON.
public struct EventEntity: Sendable, Hashable {
    public var model: String?
    public var feature: String?
    public var client: String?
    public var ip: String?
    public var host: String?
    public var source: String?

    public init(
        model: String? = nil, feature: String? = nil, client: String? = nil, ip: String? = nil, host: String? = nil,
        source: String? = nil
    ) {
        self.model = model
        self.feature = feature
        self.client = client
        self.ip = ip
        self.host = host
        self.source = source
    }

    /// Members in SPEC.md's order, present ones only.
    public var members: [(String, String)] {
        [("model", model), ("feature", feature), ("client", client), ("ip", ip), ("host", host), ("source", source)]
            .compactMap { name, value in value.map { (name, $0) } }
    }
}

/// One finding, as SPEC.md's event contract describes it.
public struct Event: Sendable, Equatable {
    public var type: EventType
    /// A detector's sub-type appended to the catalogue type, e.g. `truncated` in
    /// `ops.logging.integrity.truncated`.
    public var subtype: String?
    public var severity: Severity
    public var startMillis: Int64
    public var endMillis: Int64
    public var entity: EventEntity
    /// Ordered name/value pairs: the numbers behind the verdict.
    public var evidence: [(String, EvidenceValue)]
    public var message: String
    public var count: Int?
    public var atlas: [String] = []
    public var owasp: [String] = []

    public init(
        type: EventType, subtype: String? = nil, severity: Severity, startMillis: Int64, endMillis: Int64,
        entity: EventEntity, evidence: [(String, EvidenceValue)], message: String, count: Int? = nil
    ) {
        self.type = type
        self.subtype = subtype
        self.severity = severity
        self.startMillis = startMillis
        self.endMillis = endMillis
        self.entity = entity
        self.evidence = evidence
        self.message = message
        self.count = count
    }

    /// The dotted type as written: catalogue type plus optional sub-type.
    public var typeName: String { subtype.map { "\(type.rawValue).\($0)" } ?? type.rawValue }

    /// Stable across runs over the same input: a hash of type, entity and start (SPEC.md).
    public var id: String {
        var text = typeName + "|"
        for (name, value) in entity.members { text += "\(name)=\(value)|" }
        text += String(startMillis)
        let hash = ByteHashing.hash(text)
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func == (lhs: Event, rhs: Event) -> Bool {
        lhs.typeName == rhs.typeName && lhs.severity == rhs.severity && lhs.startMillis == rhs.startMillis
            && lhs.endMillis == rhs.endMillis && lhs.entity == rhs.entity && lhs.message == rhs.message
            && lhs.evidence.map(\.0) == rhs.evidence.map(\.0) && lhs.evidence.map(\.1) == rhs.evidence.map(\.1)
    }
}
