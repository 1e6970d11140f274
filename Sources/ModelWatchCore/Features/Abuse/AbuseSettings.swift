/// Every threshold of the abuse detectors, each named once with its reason (`AbuseDetector`
/// reads them from here). The values were set on the generated abuse scenario
/// (`tools/scenario_abuse.py`, seeds other than the one `.ci/run` judges) and the papers named;
/// "window" is the abuse window (an hour unless the memory budget made it longer).
public struct AbuseSettings: Sendable, Equatable, ConfigurableSettings {
    // MARK: extraction, tabular models

    /// Queries compared with the client's earlier ones before a window is judged at all: fewer
    /// make every share below noisy.
    public var tabularMinimumCompared = 50
    /// PRADA's δ (Juuti et al. 2019): Shapiro–Wilk W below it says the distances are not normal.
    public var pradaThreshold = 0.95
    /// PRADA's minimum number of distances before W is computed (the paper's own figure).
    public var pradaMinimumDistances = 100
    /// Share of queries that duplicate an earlier one or change one feature of it, at least...
    public var perturbationShare = 0.4
    /// ... and at least this multiple of the median share over the client and its peers (with
    /// few features, natural queries also often differ from an earlier one in one feature).
    public var perturbationPeerMultiple = 3.0
    /// The history-variant signal: at least this share of a window's queries are a copy of an
    /// earlier query of the client or one feature away from one (and `perturbationPeerMultiple`
    /// times its peers' median), over at least `historyVariantMinimumQueries` queries. 0.3
    /// rather than the recency check's 0.4: a client split across workers has each worker see
    /// only its own part of the history, which lowers the share (about halved with two workers).
    public var historyVariantShare = 0.3
    public var historyVariantMinimumQueries = 200
    /// ...and from this share it counts as two signals (medium alone).
    public var historyVariantStrongShare = 0.45
    /// Peers' variant shares are taken from windows with at least this many checked queries.
    public var historyVariantPeerMinimumQueries = 20
    /// Shares in that median: the client and at least three peers, so it never sets its own bar.
    public var perturbationPeerMinimum = 4
    /// Compared queries a peer's window needs to count in that median.
    public var perturbationPeerMinimumCompared = 20
    /// Scored queries before the decision-boundary share is judged.
    public var boundaryMinimumScored = 50
    /// Share of a client's scores near the decision boundary, at least...
    public var boundaryShare = 0.25
    /// ... and at least this multiple of the rest of the population's share.
    public var boundaryPopulationMultiple = 3.0
    /// Inter-arrival gaps before timing regularity is judged (tabular models).
    public var tabularMinimumGaps = 50
    /// Coefficient of variation of inter-arrival gaps below which timing is machine-regular (a
    /// Poisson process gives 1; scripted loops far less).
    public var regularTimingVariation = 0.35

    // MARK: extraction, LLMs (distillation)

    /// Calls in a window before the LLM signals are judged.
    public var llmMinimumCalls = 30
    /// Share of calls asking for log-probabilities (Carlini et al. 2024), at least...
    public var logprobShare = 0.5
    /// ... and at least this multiple of the rest of the population's share.
    public var logprobPopulationMultiple = 5.0
    /// Calls a peer's window needs to count in the completion-share baseline.
    public var completionPeerMinimumCalls = 10
    /// Peers before the completion-token share is compared with them.
    public var completionPeerMinimum = 5
    /// Smallest spread of the peers' completion shares (robust z's scale floor).
    public var completionMinimumScale = 0.02
    /// Robust z of the completion-token share against the peers.
    public var completionZ = 3.0
    /// Calls before prompt diversity is judged.
    public var diversityMinimumCalls = 50
    /// Distinct prompt lengths below this share of the calls (counted up to
    /// `diversityCallCap`) is low diversity.
    public var diversityShare = 0.1
    public var diversityCallCap = 300
    /// Active hours of the last 24 that make a client round-the-clock (hour windows only).
    public var roundTheClockHours = 20
    /// Inter-arrival gaps before timing regularity is judged (LLMs).
    public var llmMinimumGaps = 30

    // MARK: rate

    /// Calls or tokens at least this multiple of the client's own norm.
    public var rateRatio = 8.0
    /// Robust z of log calls against the model's other clients in the window.
    public var peerZ = 3.0
    /// Floors of the own norm (calls and tokens per window), so a client that was nearly idle
    /// is not flagged for a modest window.
    public var callNormFloor = 20.0
    public var tokenNormFloor = 5000.0
    /// Peers before the peer comparison is made.
    public var ratePeerMinimum = 5
    /// Smallest spread of the peers' log calls (robust z's scale floor).
    public var rateMinimumScale = 0.1
    /// Throttled answers, and calls after the first one, that make "kept calling through 429s".
    public var persistenceThrottled = 20
    public var persistenceCallsAfterThrottle = 100
    /// A ratio to the own norm from which a rate event is `high`.
    public var highRateRatio = 30.0
    /// Same-hour windows of earlier days in the seasonal norm (a week).
    public var seasonalDays = 7
    /// Percentile of all earlier windows in the own norm.
    public var normPercentile = 0.95

    // MARK: key sharing

    /// Distinct addresses in a window before a key is judged.
    public var sharingAddresses = 12
    /// Earlier windows preferred as the key's baseline; with fewer, every other window is used.
    public var sharingPreferredBaseline = 6
    /// Windows the baseline needs at all.
    public var sharingMinimumBaseline = 3
    /// Smallest spread of the key's address counts (robust z's scale floor).
    public var sharingMinimumScale = 1.0
    /// Addresses at least this multiple of the key's median...
    public var sharingMultiple = 4.0
    /// ... a robust z at least this ...
    public var sharingZ = 6.0
    /// ... and at least this many distinct /24 networks (one office NAT is one network).
    public var sharingNetworks = 6.0
    /// Distinct addresses from which key sharing is `high`.
    public var sharingHighAddresses = 50.0

    // MARK: credential stuffing

    /// 401/403 answers in a window before an address is judged.
    public var stuffingMinimumFailures = 5
    /// More than this many failures in 10 s is a burst (CrowdSec `http-generic-bf`).
    public var stuffingBurst = 5
    /// Distinct keys that failed from one address: many keys tried.
    public var stuffingKeys = 10
    /// Attempts, and the failure share above which they are stuffing (with a burst or many keys).
    public var stuffingAttempts = 20
    public var stuffingFailureShare = 0.8
    /// A weaker (`low`) finding: this many failed keys and a failure share above this.
    public var weakStuffingKeys = 5
    public var weakStuffingFailureShare = 0.5
    /// Failed keys, or failures, from which stuffing is `high`.
    public var highStuffingKeys = 50
    public var highStuffingFailures = 200

    public init() {}
}
