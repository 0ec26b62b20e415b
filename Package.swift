// swift-tools-version:6.0
// mtl-dist: a distributed data-parallel trainer for multi-task sequence labelling.
// Module layout and dependency direction: see README.md ("Code map").
import PackageDescription

let package = Package(
    name: "mtl-dist",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries: each imported by exactly one Swift file.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),

        .target(name: "Autodiff", dependencies: ["COpenBLAS"]),
        .target(name: "Layers", dependencies: ["Autodiff"]),
        .target(name: "TestSupport", dependencies: ["Autodiff"]),
        .target(name: "Training", dependencies: [.product(name: "Yams", package: "Yams")],
                exclude: ["DefaultCorpus"]),

        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training"]),
    ],
    swiftLanguageModes: [.v5]
)
