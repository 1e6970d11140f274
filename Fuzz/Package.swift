// swift-tools-version: 6.1
// libFuzzer targets for modelwatch's parsers, apart from the main package so that its build and
// `swift test` are unaffected. Build and run with ../tools/fuzz.sh (it passes
// `-sanitize=fuzzer,address`, which needs Linux and the toolchain's clang runtime).
import PackageDescription

let targets = [
    "FuzzInferenceLine", "FuzzAccessLog", "FuzzLogFormat", "FuzzTimestamps", "FuzzGzip", "FuzzConfigDocument",
    "FuzzStateFile", "FuzzBaselineFile",
]

let package = Package(
    name: "modelwatch-fuzz",
    dependencies: [.package(name: "modelwatch", path: "..")],
    targets: [.target(name: "FuzzSupport")]
        + targets.map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzSupport", .product(name: "ModelWatchCore", package: "modelwatch")])
        }
)
