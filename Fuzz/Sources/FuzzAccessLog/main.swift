import FuzzSupport
import ModelWatchCore

/// The access-log parser, with the default formats and with a custom `log_format`.
let custom = try! AccessLogFormat(
    nginx:
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time rid=$request_id key=$http_x_api_key"#
)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAccessLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    for format in [nil, custom] {
        var bytes = Array(UnsafeBufferPointer(start: data, count: size))
        var record = ParsedRecord()
        bytes.withUnsafeMutableBytes { line in
            _ = try? AccessLogParser(format: format).parse(line, into: &record)
        }
    }
    return 0
}

runFuzzer(fuzzAccessLog)
