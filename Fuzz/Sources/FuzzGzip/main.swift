import FuzzSupport
import ModelWatchCore

/// The gzip member reader on arbitrary bytes, fed in blocks whose size the first byte picks (so
/// magic numbers and headers straddle block boundaries), with a small output buffer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0, let reader = try? GzipMemberReader() else { return 0 }
    let block = Int(data[0]) + 1
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
    defer { output.deallocate() }
    var decoded = 0
    var start = 0
    while start < input.count {
        let end = min(input.count, start + block)
        reader.decode(UnsafeRawBufferPointer(rebasing: input[start..<end]), output: output) { decoded += $0.count }
        start = end
    }
    _ = reader.finish()
    return 0
}

runFuzzer(fuzzGzip)
