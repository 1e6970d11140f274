/// Reads Kong Gateway log-plugin entries (file-log, http-log: one JSON object per request) with
/// the AI Gateway's `ai` object into the native record.
///
/// Fields, from Kong's file-log "Log format" and the "AI Gateway audit log reference"
/// (`ai.$PLUGIN_NAME.meta.*`, `ai.$PLUGIN_NAME.usage.*`): `started_at` (epoch ms) +
/// `latencies.request` → time the response ended; `client_ip` → address; `consumer.username`
/// (else `custom_id`, else `id`) → client; `request.id` → request id; `response.status` →
/// status; per AI plugin, `meta.response_model` (else `request_model`) → model,
/// `meta.provider_name` → host (the provider that served it), `usage.prompt_tokens` /
/// `completion_tokens` (Kong 3.6–3.8 spell them `prompt_token` / `completion_token`) → tokens,
/// `meta.llm_latency` → latency, else `latencies.request`.
public struct KongAIRecordParser: Sendable {
    public var maximumDepth = 64

    public init() {}

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .inference)
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        var startedAt = Double.nan
        var requestLatency = Double.nan
        var llmLatency = Double.nan
        var requestModel = ByteSpan.absent
        var username = ByteSpan.absent
        var customID = ByteSpan.absent
        var consumerID = ByteSpan.absent
        if try scanner.enterRecord() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("started_at") {
                    startedAt = try scanner.readOptionalNumber()
                } else if key.equals("client_ip") {
                    record.address = try scanner.readOptionalString()
                } else if key.equals("consumer") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        let inner = try scanner.readKey()
                        if inner.equals("username") {
                            username = try scanner.readOptionalString()
                        } else if inner.equals("custom_id") {
                            customID = try scanner.readOptionalString()
                        } else if inner.equals("id") {
                            consumerID = try scanner.readOptionalString()
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("request") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        if try scanner.readKey().equals("id") {
                            record.requestID = try scanner.readOptionalString()
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("response") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        if try scanner.readKey().equals("status") {
                            let status = try scanner.readOptionalNumber()
                            if status.isFinite { record.status = Int32(clampingNumber: status) }
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("latencies") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        if try scanner.readKey().equals("request") {
                            requestLatency = try scanner.readOptionalNumber()
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("ai") {
                    try readAI(&scanner, &record, requestModel: &requestModel, llmLatency: &llmLatency)
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfObject()
        }
        try scanner.finishRecord()
        guard startedAt.isFinite, var millis = TimestampParser.millisFromEpochNumber(startedAt) else {
            throw LineRejection(.missingTimestamp, at: 0)
        }
        if requestLatency.isFinite && requestLatency >= 0 { millis += Int64(requestLatency) }
        record.timestampMillis = millis
        if record.model.count <= 0 { record.model = requestModel }
        guard record.model.count > 0 else { throw LineRejection(.missingModel, at: 0) }
        record.client = username.count > 0 ? username : customID.count > 0 ? customID : consumerID
        record.latencyMillis = llmLatency.isFinite ? llmLatency : requestLatency
    }

    /// The `ai` object: one member per AI plugin that handled the request (`payload` aside); the
    /// first plugin that names a model wins.
    private func readAI(
        _ scanner: inout JSONByteScanner, _ record: inout ParsedRecord, requestModel: inout ByteSpan,
        llmLatency: inout Double
    ) throws(LineRejection) {
        guard try scanner.enterObject(depth: 1) else { return }
        repeat {
            _ = try scanner.readKey()
            guard try scanner.enterObject(depth: 2) else { continue }
            let named = record.model.count > 0
            repeat {
                let section = try scanner.readKey()
                if section.equals("meta") && !named {
                    guard try scanner.enterObject(depth: 3) else { continue }
                    repeat {
                        let key = try scanner.readKey()
                        if key.equals("response_model") {
                            record.model = try scanner.readOptionalString()
                        } else if key.equals("request_model") {
                            requestModel = try scanner.readOptionalString()
                        } else if key.equals("provider_name") {
                            record.host = try scanner.readOptionalString()
                        } else if key.equals("llm_latency") {
                            llmLatency = try scanner.readOptionalNumber()
                        } else {
                            try scanner.skipValue(depth: 4)
                        }
                    } while try !scanner.endOfObject()
                } else if section.equals("usage") && !named {
                    guard try scanner.enterObject(depth: 3) else { continue }
                    repeat {
                        let key = try scanner.readKey()
                        if key.equals("prompt_tokens") || key.equals("prompt_token") {
                            record.promptTokens = try scanner.readCount()
                        } else if key.equals("completion_tokens") || key.equals("completion_token") {
                            record.completionTokens = try scanner.readCount()
                        } else {
                            try scanner.skipValue(depth: 4)
                        }
                    } while try !scanner.endOfObject()
                } else {
                    try scanner.skipValue(depth: 3)
                }
            } while try !scanner.endOfObject()
        } while try !scanner.endOfObject()
    }
}
