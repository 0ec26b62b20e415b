// swift-tools-version:6.0
// Coverage-guided fuzz targets for mtl-dist's input readers (libFuzzer). Built only by
// launch/fuzz.sh, with `--sanitize fuzzer --sanitize address` into .build-fuzz: each target is an
// executable whose entry point is `LLVMFuzzerTestOneInput` (libFuzzer supplies `main`), so it
// cannot link without the fuzzer runtime, which is why it lives outside the main package.
import PackageDescription

let fuzzTarget: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "mtl-dist-fuzz",
    dependencies: [
        .package(name: "mtl-dist", path: ".."),
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "CoNLL", package: "mtl-dist")]),
        .executableTarget(name: "fuzz-columns", dependencies: ["FuzzSupport", .product(name: "CoNLL", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-conllu", dependencies: ["FuzzSupport", .product(name: "CoNLL", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-iob2", dependencies: ["FuzzSupport", .product(name: "CoNLL", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-config", dependencies: ["FuzzSupport", .product(name: "RunConfig", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-predict-input",
                          dependencies: ["FuzzSupport", .product(name: "CoNLL", package: "mtl-dist"),
                                         .product(name: "ModelFiles", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-manifest",
                          dependencies: ["FuzzSupport", .product(name: "Checkpointing", package: "mtl-dist"),
                                         .product(name: "ModelFiles", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-model-json",
                          dependencies: ["FuzzSupport", .product(name: "Checkpointing", package: "mtl-dist"),
                                         .product(name: "ModelFiles", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-safetensors",
                          dependencies: ["FuzzSupport", .product(name: "ModelFiles", package: "mtl-dist"),
                                         .product(name: "Transformer", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-metrics", dependencies: ["FuzzSupport", .product(name: "Reporting", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
        .executableTarget(name: "fuzz-transformer", dependencies: ["FuzzSupport", .product(name: "Transformer", package: "mtl-dist")],
                          swiftSettings: fuzzTarget),
    ],
    swiftLanguageModes: [.v5]
)
