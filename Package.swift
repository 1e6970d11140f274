// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "modelwatch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "modelwatch", targets: ["modelwatch"]),
        .library(name: "ModelWatchCore", targets: ["ModelWatchCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // YAML config and mapping files, with line and column marks (libyaml inside).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The nightly report's state (SQLite, WAL, migrations); needs Debian's libsqlite3-dev.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // HMAC-SHA256 for --pseudonymize (never hand-rolled hashing).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // zlib from the system (Debian `zlib1g-dev`), with shims for its function-like macros.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Intel ISA-L's inflate (Debian `libisal-dev`, 2.30): the fast gzip backend, 3.4 x zlib
        // on JSON lines (issue 13). A hard build requirement, like zlib's and SQLite's headers:
        // the README's first command and `.ci/run` install it.
        .systemLibrary(name: "CIsal", path: "Sources/CIsal", providers: [.apt(["libisal-dev"])]),
        .target(
            name: "ModelWatchCore",
            dependencies: [
                "CZlib", "CIsal", .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The signature lists are compiled in (tools/generate_signatures.py), not resources:
            // a resource bundle is found only inside the build tree.
            exclude: ["Features/Probes/data"],
            swiftSettings: [
                // Release builds skip the runtime exclusivity checks on the aggregator's class
                // properties (swift_beginAccess on every record: about 5% of the run in a
                // profile); debug builds and `swift test` keep them, and the compile-time
                // checks stay on in both.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
            ]),
        .executableTarget(
            name: "modelwatch",
            dependencies: [
                "ModelWatchCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ModelWatchCoreTests", dependencies: ["ModelWatchCore"]),
    ]
)

// Strictness for every Swift target in one place.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
