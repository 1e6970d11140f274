/// Reads AWS Bedrock model-invocation log records (`schemaType` `ModelInvocationLog`, schema
/// version 1.0) into the native record.
///
/// Fields, from AWS's "Monitor model invocation using CloudWatch Logs and Amazon S3" (Bedrock
/// user guide) and the records in `Tests/Fixtures/formats/bedrock.jsonl`:
/// `timestamp` (RFC 3339) → time; `modelId` → model (for an ARN, such as an inference profile
/// `arn:aws:bedrock:REGION:ACCOUNT:inference-profile/us.anthropic...`, the resource name after
/// the last `/`); `identity.arn` → client; `requestId` → request id; `region` → host (the
/// serving region: Bedrock names no node); `input.inputTokenCount`, `output.outputTokenCount`
/// → tokens; `output.outputBodyJson.metrics.latencyMs` (Converse) → latency; `errorCode` →
/// status (`errorStatus`), 200 without one. Bodies are skipped, inline or streamed (an array of
/// events ending in `"[DONE]"`); bodies delivered to S3 (`inputBodyS3Path`, `outputBodyS3Path`)
/// are not fetched.
public struct BedrockRecordParser: Sendable {
    public var maximumDepth = 64

    public init() {}

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .inference)
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        var sawTimestamp = false
        var errorCode = ByteSpan.absent
        if try scanner.enterRecord() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("timestamp") {
                    record.timestampMillis = try scanner.readTimestamp()
                    sawTimestamp = true
                } else if key.equals("modelId") {
                    record.model = Self.resourceName(try scanner.readOptionalString(), in: line)
                } else if key.equals("requestId") {
                    record.requestID = try scanner.readOptionalString()
                } else if key.equals("region") {
                    record.host = try scanner.readOptionalString()
                } else if key.equals("errorCode") {
                    errorCode = try scanner.readOptionalString()
                } else if key.equals("identity") {
                    if try scanner.enterObject(depth: 1) {
                        repeat {
                            if try scanner.readKey().equals("arn") {
                                record.client = try scanner.readOptionalString()
                            } else {
                                try scanner.skipValue(depth: 2)
                            }
                        } while try !scanner.endOfObject()
                    }
                } else if key.equals("input") {
                    if try scanner.enterObject(depth: 1) {
                        repeat {
                            if try scanner.readKey().equals("inputTokenCount") {
                                record.promptTokens = try scanner.readCount()
                            } else {
                                try scanner.skipValue(depth: 2)
                            }
                        } while try !scanner.endOfObject()
                    }
                } else if key.equals("output") {
                    try readOutput(&scanner, &record)
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfObject()
        }
        try scanner.finishRecord()
        guard sawTimestamp else { throw LineRejection(.missingTimestamp, at: 0) }
        guard !record.model.isAbsent, record.model.count > 0 else { throw LineRejection(.missingModel, at: 0) }
        record.status = errorCode.isAbsent ? 200 : Self.errorStatus(scanner.slice(errorCode))
    }

    /// `output`: the completion's token count, and the Converse body's `metrics.latencyMs`.
    private func readOutput(_ scanner: inout JSONByteScanner, _ record: inout ParsedRecord) throws(LineRejection) {
        guard try scanner.enterObject(depth: 1) else { return }
        repeat {
            let key = try scanner.readKey()
            if key.equals("outputTokenCount") {
                record.completionTokens = try scanner.readCount()
            } else if key.equals("outputBodyJson") {
                // An object for InvokeModel and Converse; an array of stream events for the
                // streaming operations (skipped whole).
                guard try scanner.enterObject(depth: 2) else { continue }
                repeat {
                    if try scanner.readKey().equals("metrics") {
                        if try scanner.enterObject(depth: 3) {
                            repeat {
                                if try scanner.readKey().equals("latencyMs") {
                                    record.latencyMillis = try scanner.readOptionalNumber()
                                } else {
                                    try scanner.skipValue(depth: 4)
                                }
                            } while try !scanner.endOfObject()
                        }
                    } else {
                        try scanner.skipValue(depth: 3)
                    }
                } while try !scanner.endOfObject()
            } else {
                try scanner.skipValue(depth: 2)
            }
        } while try !scanner.endOfObject()
    }

    /// For an ARN (`arn:aws:bedrock:...:inference-profile/NAME`), the span of NAME; other ids whole.
    static func resourceName(_ span: ByteSpan, in line: UnsafeMutableRawBufferPointer) -> ByteSpan {
        guard !span.isAbsent, span.count > 4 else { return span }
        let text = UnsafeRawBufferPointer(rebasing: line[Int(span.start)..<Int(span.start + span.count)])
        guard text.starts(with: "arn:"), let slash = text.lastIndex(of: UInt8(ascii: "/")) else { return span }
        return span.dropping(first: slash + 1)
    }

    /// The HTTP status AWS documents for each Bedrock runtime error code (Bedrock API reference,
    /// "Common Errors" and InvokeModel "Errors"); an unknown code is a server error.
    static func errorStatus(_ code: UnsafeRawBufferPointer) -> Int32 {
        if code.isEmpty { return 200 }
        if code.equals("ThrottlingException") || code.equals("ServiceQuotaExceededException") { return 429 }
        if code.equals("ValidationException") { return 400 }
        if code.equals("AccessDeniedException") { return 403 }
        if code.equals("ResourceNotFoundException") { return 404 }
        if code.equals("ModelTimeoutException") { return 408 }
        if code.equals("ModelErrorException") { return 424 }
        if code.equals("ModelNotReadyException") { return 429 }
        if code.equals("ServiceUnavailableException") { return 503 }
        return 500
    }
}
