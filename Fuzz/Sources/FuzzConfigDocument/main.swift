import FuzzSupport
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

runFuzzer(fuzzConfigDocument)
