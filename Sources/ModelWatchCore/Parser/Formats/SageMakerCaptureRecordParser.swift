/// Reads SageMaker endpoint data-capture records into the native record.
///
/// Fields, from the SageMaker developer guide ("Capture data from real-time endpoint", "View
/// collected data") and the records in `Tests/Fixtures/formats/sagemaker-capture.jsonl`:
/// `eventMetadata.inferenceTime` → time; `eventMetadata.inferenceId` (else `eventId`) →
/// request id; `captureData.endpointInput` / `endpointOutput`, each with `data`, `encoding`
/// (`CSV`, `JSON` or `BASE64`) and `observedContentType`. A JSON object input gives the
/// features (its scalar members); a CSV or JSON-array input is counted but not profiled (its
/// columns have no names in the record). The output's first CSV value, or a JSON object's
/// `prediction`/`predicted_label` and `score`, is the answer. The record names no model: the
/// model is the endpoint named by the capture file's S3 layout
/// (`.../ENDPOINT/VARIANT/yyyy/mm/dd/hh/file.jsonl`; `SourceStatistics.sageMakerEndpoint`).
/// Ground-truth merge records (`groundTruthData`) are rejected with their own reason until
/// labels are joined.
public struct SageMakerCaptureRecordParser: Sendable {
    public var maximumDepth = 64

    public init() {}

    public func parse(_ line: UnsafeMutableRawBufferPointer, into record: inout ParsedRecord) throws(LineRejection) {
        record.reset(kind: .inference)
        record.modelFromSource = true
        var scanner = JSONByteScanner(line, maximumDepth: maximumDepth)
        var sawTimestamp = false
        var eventID = ByteSpan.absent
        if try scanner.enterRecord() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("eventMetadata") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        let inner = try scanner.readKey()
                        if inner.equals("inferenceTime") {
                            record.timestampMillis = try scanner.readTimestamp()
                            sawTimestamp = true
                        } else if inner.equals("inferenceId") {
                            record.requestID = try scanner.readOptionalString()
                        } else if inner.equals("eventId") {
                            eventID = try scanner.readOptionalString()
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("captureData") {
                    guard try scanner.enterObject(depth: 1) else { continue }
                    repeat {
                        let inner = try scanner.readKey()
                        if inner.equals("endpointInput") {
                            try readPayload(&scanner, &record, isInput: true)
                        } else if inner.equals("endpointOutput") {
                            try readPayload(&scanner, &record, isInput: false)
                        } else {
                            try scanner.skipValue(depth: 2)
                        }
                    } while try !scanner.endOfObject()
                } else if key.equals("groundTruthData") {
                    throw LineRejection(.groundTruthNotJoined, at: 0)
                } else {
                    try scanner.skipValue(depth: 1)
                }
            } while try !scanner.endOfObject()
        }
        try scanner.finishRecord()
        guard sawTimestamp else { throw LineRejection(.missingTimestamp, at: 0) }
        if record.requestID.count <= 0 { record.requestID = eventID }
        record.status = 200  // data capture records only answered requests
    }

    private enum Encoding { case csv, json, base64 }

    /// One side of the capture: `data` and how it is encoded, in either order.
    private func readPayload(
        _ scanner: inout JSONByteScanner, _ record: inout ParsedRecord, isInput: Bool
    ) throws(LineRejection) {
        guard try scanner.enterObject(depth: 2) else { return }
        var data = ByteSpan.absent
        var encoding = Encoding.csv
        var contentIsJSON = false
        repeat {
            let key = try scanner.readKey()
            if key.equals("data") {
                data = try scanner.readOptionalString()
            } else if key.equals("encoding") {
                let value = scanner.slice(try scanner.readOptionalString())
                encoding = value.equals("JSON") ? .json : value.equals("BASE64") ? .base64 : .csv
            } else if key.equals("observedContentType") {
                let value = scanner.slice(try scanner.readOptionalString())
                contentIsJSON = value.starts(with: "application/json") || value.starts(with: "application/jsonlines")
            } else {
                try scanner.skipValue(depth: 3)
            }
        } while try !scanner.endOfObject()
        guard data.count > 0 else { return }
        if encoding == .base64 {
            data = Self.decodeBase64InPlace(data, in: scanner.bytes)
            encoding = contentIsJSON ? .json : .csv
        }
        if encoding == .json || contentIsJSON {
            readJSONPayload(data, scanner.bytes, &record, isInput: isInput)
        } else if !isInput {
            // The first CSV value of the answer: a score or a class.
            let text = scanner.slice(data)
            let end = text.firstIndex(where: { $0 == UInt8(ascii: ",") || $0 == 0x0A }) ?? text.count
            let first = data.prefix(end)
            if let number = AccessLogParser.decimal(scanner.slice(first)) {
                record.predictionNumber = number
            } else if first.count > 0 {
                record.prediction = first
            }
        }
    }

    /// A JSON payload: an input object's scalar members are features; an output object's
    /// `prediction`/`predicted_label` and `score` the answer. Unreadable JSON is left unprofiled.
    private func readJSONPayload(
        _ data: ByteSpan, _ bytes: UnsafeMutableRawBufferPointer, _ record: inout ParsedRecord, isInput: Bool
    ) {
        var inner = JSONByteScanner(
            UnsafeMutableRawBufferPointer(rebasing: bytes[Int(data.start)..<Int(data.start + data.count)]),
            maximumDepth: maximumDepth)
        let base = Int(data.start)
        func shifted(_ span: ByteSpan) -> ByteSpan { ByteSpan(start: Int(span.start) + base, count: Int(span.count)) }
        do throws(LineRejection) {
            guard try inner.enterRecord() else { return }
            repeat {
                let keySpan = try inner.readString()
                try inner.expect(UInt8(ascii: ":"))
                let key = inner.slice(keySpan)
                let value = try inner.readScalarOrSkip(depth: 1)
                if isInput {
                    let feature: FeatureValue
                    switch value {
                    case .string(let span): feature = .string(shifted(span))
                    case .number(let number): feature = .number(number)
                    case .bool(let flag): feature = .bool(flag)
                    case .null: feature = .null
                    case .skipped: continue
                    }
                    record.features.append((shifted(keySpan), feature))
                } else if key.equals("prediction") || key.equals("predicted_label") {
                    switch value {
                    case .string(let span): record.prediction = shifted(span)
                    case .number(let number): record.predictionNumber = number
                    default: break
                    }
                } else if key.equals("score"), case .number(let number) = value {
                    record.score = number
                }
            } while try !inner.endOfObject()
        } catch {
            return
        }
    }

    /// Decodes standard base64 (RFC 4648 §4) in place: the decoded bytes are fewer than the
    /// text, so they are written over its start. Stops at `=` or the first byte outside the
    /// alphabet; returns the span of the decoded bytes.
    static func decodeBase64InPlace(_ span: ByteSpan, in bytes: UnsafeMutableRawBufferPointer) -> ByteSpan {
        var write = Int(span.start)
        var accumulator: UInt32 = 0
        var bits = 0
        for read in Int(span.start)..<Int(span.start + span.count) {
            let byte = bytes[read]
            let value: UInt32
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            default: return ByteSpan(start: Int(span.start), count: write - Int(span.start))
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                // Safe: four text bytes give at most three, so `write` stays behind `read`.
                bytes[write] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                write += 1
            }
        }
        return ByteSpan(start: Int(span.start), count: write - Int(span.start))
    }
}
