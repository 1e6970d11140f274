// swift-tools-version: 6.1
// Micro-benchmarks of the pipeline stages, kept out of the main build and `swift test`.
// Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "modelwatch-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "modelwatch", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ModelWatchBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ModelWatchCore", package: "modelwatch"),
            ],
            path: "Benchmarks/ModelWatchBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ]
)
