import Glibc
import ModelWatchCore

/// The strict config readers (JSON, and YAML through Yams) on arbitrary bytes; the first byte
/// picks which. A document either reads or is a `DocumentError`; what reads must re-read from
/// its canonical JSON to the same tree.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigDocument(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let file = data[0] & 1 == 0 ? "fuzz.json" : "fuzz.yaml"
    guard let node = try? StrictDocument.parse(bytes, file: file) else { return 0 }
    let again = try? StrictJSONReader.read(Array(node.canonicalJSON().utf8), file: "again.json")
    if again?.canonicalJSON() != node.canonicalJSON() { fatalError("canonical JSON does not read back") }
    return 0
}

// The entry point: SwiftPM links an executable target's entry under its own name, so libFuzzer's
// `main` is not used; this hands the command line to libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

var fuzzerArgc = CommandLine.argc
var fuzzerArgv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&fuzzerArgc, &fuzzerArgv, fuzzConfigDocument))
