/// The preset parsers of SPEC.md's "Input formats beyond the native ones", one per format;
/// each produces the same `ParsedRecord` the native parsers do, so everything downstream reads
/// them unchanged.
struct PresetParsers: Sendable {
    let bedrock = BedrockRecordParser()
    let litellm = LiteLLMRecordParser()
    let sagemaker = SageMakerCaptureRecordParser()
    let kong = KongAIRecordParser()
    let alb = ALBRecordParser()
    let gcp = GCPLoadBalancerRecordParser()
    let nginxJSON = NginxJSONRecordParser()
    let native = InferenceLineParser()
    let combined = AccessLogParser()
    /// The `--input-format mapping.yaml` parser, when one was given.
    let mapped: FieldMappingParser?

    init(mapping: FieldMapping? = nil) {
        mapped = mapping.map(FieldMappingParser.init)
    }

    @inline(__always)
    func parse(
        _ line: UnsafeMutableRawBufferPointer, format: LogFormat, into record: inout ParsedRecord
    ) throws(LineRejection) {
        switch format {
        case .native: try native.parse(line, into: &record)
        case .combined: try combined.parse(line, into: &record)
        case .bedrock: try bedrock.parse(line, into: &record)
        case .litellm: try litellm.parse(line, into: &record)
        case .sagemakerCapture: try sagemaker.parse(line, into: &record)
        case .kongAI: try kong.parse(line, into: &record)
        case .alb: try alb.parse(line, into: &record)
        case .gcpLB: try gcp.parse(line, into: &record)
        case .nginxJSON: try nginxJSON.parse(line, into: &record)
        case .mappedInference, .mappedAccess:
            // Only `--input-format FILE` selects these, and it always brings its mapping.
            guard let mapped else { throw LineRejection(.notJSONObject, at: 0) }
            try mapped.parse(line, into: &record)
        }
    }
}
