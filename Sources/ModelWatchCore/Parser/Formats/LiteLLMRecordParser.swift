/// Reads LiteLLM's `StandardLoggingPayload` (what its logging callbacks, the S3/GCS loggers and
/// the proxy's spend logs write) into the native record.
///
/// Fields, from LiteLLM's `StandardLoggingPayload` type (litellm/types/utils.py, documented
/// under "Logging" → "StandardLoggingPayload") and the payload in
/// `Tests/Fixtures/formats/litellm-payload.json`: `endTime` (else `startTime`) → time, a float
/// epoch or Python's `"YYYY-MM-DD HH:MM:SS.ffffff"` (read as UTC: the payload names no zone);
/// `id` → request id; `model` → model; `api_base` → host; `metadata.user_api_key_alias`, else
/// `metadata.user_api_key_hash` → client (the hashed key LiteLLM logs, never the key);
/// `requester_ip_address` (top level, else in `metadata`) → address; `status` `"success"` → 200,
/// `"failure"` → `error_information.error_code` when it is an HTTP status, else 500;
/// `prompt_tokens`, `completion_tokens`; `response_time` (seconds) → latency, else end − start;
/// `model_parameters.logprobs` / `top_logprobs`.
public struct LiteLLMRecordParser: Sendable {
    public var maximumDepth = 64

    public init() {}

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .inference)
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        var startMillis: Int64?
        var endMillis: Int64?
        var alias = ByteSpan.absent
        var keyHash = ByteSpan.absent
        var metadataAddress = ByteSpan.absent
        var failed = false
        var errorCode: Int32 = -1
        var responseSeconds = Double.nan
        if try scanner.enterRecord() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("startTime") {
                    startMillis = try scanner.readTimestamp(offsetOptional: true)
                } else if key.equals("endTime") {
                    endMillis = try scanner.readTimestamp(offsetOptional: true)
                } else if key.equals("id") {
                    record.requestID = try scanner.readOptionalString()
                } else if key.equals("model") {
                    record.model = try scanner.readOptionalString()
                } else if key.equals("api_base") {
                    record.host = try scanner.readOptionalString()
                } else if key.equals("requester_ip_address") {
                    record.address = try scanner.readOptionalString()
                } else if key.equals("status") {
                    let status = try scanner.readOptionalString()
                    failed = !status.isAbsent && !scanner.slice(status).equals("success")
                } else if key.equals("prompt_tokens") {
                    record.promptTokens = try scanner.readCount()
                } else if key.equals("completion_tokens") {
                    record.completionTokens = try scanner.readCount()
                } else if key.equals("response_time") {
                    responseSeconds = try scanner.readOptionalNumber()
                } else if key.equals("metadata") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        let inner = try scanner.readKey()
                        if inner.equals("user_api_key_alias") {
                            alias = try scanner.readOptionalString()
                        } else if inner.equals("user_api_key_hash") {
                            keyHash = try scanner.readOptionalString()
                        } else if inner.equals("requester_ip_address") {
                            metadataAddress = try scanner.readOptionalString()
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("error_information") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        if try scanner.readKey().equals("error_code") {
                            let code = try scanner.readOptionalNumber()
                            if code >= 100 && code < 600 { errorCode = Int32(code) }
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("model_parameters") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        let inner = try scanner.readKey()
                        if inner.equals("logprobs") {
                            if case .bool(let asks) = try scanner.readScalarOrSkip(depth: 2) {
                                record.asksLogprobs = record.asksLogprobs || asks
                            }
                        } else if inner.equals("top_logprobs") {
                            record.topLogprobs = try scanner.readCount()
                            if record.topLogprobs > 0 { record.asksLogprobs = true }
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfObject()
        }
        try scanner.finishRecord()
        guard let millis = endMillis ?? startMillis else { throw LineRejection(.missingTimestamp, at: 0) }
        guard !record.model.isAbsent, record.model.count > 0 else { throw LineRejection(.missingModel, at: 0) }
        record.timestampMillis = millis
        record.client = alias.count > 0 ? alias : keyHash
        if record.address.count <= 0 { record.address = metadataAddress }
        if record.host.count <= 0 { record.host = .absent }
        record.status = failed ? (errorCode > 0 ? errorCode : 500) : 200
        if responseSeconds.isFinite && responseSeconds >= 0 {
            record.latencyMillis = responseSeconds * 1000
        } else if let startMillis, let endMillis, endMillis >= startMillis {
            record.latencyMillis = Double(endMillis - startMillis)
        }
    }
}
