// swift-tools-version:6.0
// mtl-dist: a distributed data-parallel trainer for multi-task sequence labelling.
// Module layout and dependency direction: see README.md ("Code map").
import PackageDescription

let package = Package(
    name: "mtl-dist",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mtl-dist", targets: ["mtl-dist"]),
        // for the fuzz targets in Fuzz/ (built by launch/fuzz.sh), which read corpora, configs and
        // transformer folders
        .library(name: "CoNLL", targets: ["CoNLL"]),
        .library(name: "RunConfig", targets: ["RunConfig"]),
        .library(name: "ModelFiles", targets: ["ModelFiles"]),
        .library(name: "Transformer", targets: ["Transformer", "Autodiff"]),
        .library(name: "Reporting", targets: ["Reporting"]),
        .library(name: "Checkpointing", targets: ["Checkpointing"]),
    ],
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

        // elementwise exp, sigmoid, tanh, erf, GELU built for SSE2, AVX2 and AVX-512, picked at run time
        .target(name: "CVectorMath"),
        // float products with a weight packed once for many calls of few rows (the LSTM's steps), AVX-512
        .target(name: "CPackedGemm"),
        // matrix products with bfloat16 operands and float sums (AVX512_BF16), for `precision: bf16`
        .target(name: "CBFloat16", dependencies: ["CPackedGemm"]),
        .target(name: "Autodiff", dependencies: ["COpenBLAS", "CVectorMath", "CBFloat16", "CPackedGemm"]),
        .target(name: "Layers", dependencies: ["Autodiff"]),
        .target(name: "Optimizers", dependencies: ["Autodiff"]),
        // text output that reports every failed write (write(2), EPIPE, closed descriptors); Foundation only
        .target(name: "TextIO"),
        // the one checked way to open a file for reading (regular files only; pipes and devices named as such)
        .target(name: "RegularFiles"),
        .target(name: "CoNLL", dependencies: ["RegularFiles"]),
        // dependency trees and lemmas: the one-root tree decoder, CoNLL-U heads and relations, UAS/LAS as
        // the CoNLL 2018 script counts them, lemma edit scripts; RegularFiles only
        .target(name: "Parsing", dependencies: ["RegularFiles"]),
        // GloVe / fastText text and word2vec binary vectors files, streamed into the rows a vocabulary
        // asks for (Flair's WordEmbeddings lookup); CoNLL for the vocabulary's word folding
        .target(name: "WordVectors", dependencies: ["CoNLL", "RegularFiles"]),
        // raw English text into UD-style sentences and tokens with offsets, and their evaluation; Foundation + CoNLL
        .target(name: "TextSegmentation", dependencies: ["CoNLL", "TextIO"]),
        // pretrained BERT-family encoders: safetensors, config.json, WordPiece, the model, word pooling
        .target(name: "Transformer", dependencies: ["Autodiff", "Layers", "RegularFiles"]),
        .target(name: "MultiTask", dependencies: ["Autodiff", "Layers", "Transformer", "Parsing"]),
        .target(name: "Collective", dependencies: ["CMPI"]),
        // `--trace FILE`: a rank's spans on an aligned clock, written as Chrome trace-event JSON
        .target(name: "Timeline"),
        // SVG charts and the scaling / training-curve reports; Foundation only
        .target(name: "Reporting", dependencies: ["RegularFiles"]),
        .target(name: "Checkpointing", dependencies: ["Autodiff", "Collective", "RegularFiles"]),
        // the task-aware sampler: routing of sentences to tasks, slot schedule, oversampling; pure
        // arithmetic over counts and seeds (Autodiff for SplitMix64 only)
        .target(name: "TaskSampling", dependencies: ["Autodiff"]),
        // the run config: types, schema walk, YAML loader, --set overrides, the embedded default corpus
        .target(name: "RunConfig",
                dependencies: ["Autodiff", "TaskSampling", "CoNLL", "MultiTask", "Transformer", "WordVectors", .product(name: "Yams", package: "Yams")],
                resources: [.copy("DefaultCorpus")]),
        // a trained model and its files: text encoding, batches, evaluator, prediction I/O, model
        // archive, export, checkpoint record; what predict, evaluate and export need, without the trainer
        .target(name: "ModelFiles",
                dependencies: ["RunConfig", "TaskSampling", "Autodiff", "Layers", "Optimizers", "CoNLL", "MultiTask", "Transformer",
                               "Collective", "Checkpointing", "TextIO", "TextSegmentation", "RegularFiles", "Parsing"]),
        // a training run: session, trainer, resume, fingerprint, run folder, metrics, progress
        .target(name: "Training",
                dependencies: ["ModelFiles", "RunConfig", "TaskSampling", "Autodiff", "Optimizers", "CoNLL", "MultiTask",
                               "Collective", "Checkpointing", "Reporting", "Transformer", "Timeline", "WordVectors",
                               .product(name: "Yams", package: "Yams")]),
        // `mtl-dist bench`'s harnesses: BiLSTM-CRF and transformer kernels against sgemm, training
        // steps of a config, MPI_Allreduce at several sizes
        .target(name: "Benchmarks", dependencies: ["Autodiff", "Layers", "Collective", "RunConfig", "Reporting", "Training", "Transformer", "Timeline"]),
        .executableTarget(name: "mtl-dist", dependencies: [
            "Autodiff", "Layers", "Collective", "Checkpointing", "RunConfig", "ModelFiles", "Training",
            "Reporting", "Transformer", "Benchmarks", "TextIO", "TextSegmentation", "RegularFiles",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "TestSupport", dependencies: ["Autodiff"]),

        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "TestSupport"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Autodiff", "TestSupport"]),
        .testTarget(name: "OptimizersTests", dependencies: ["Optimizers", "Autodiff", "TestSupport"]),
        .testTarget(name: "CoNLLTests", dependencies: ["CoNLL", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ParsingTests", dependencies: ["Parsing", "CoNLL", "Autodiff", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "WordVectorsTests", dependencies: ["WordVectors"]),
        .testTarget(name: "TextSegmentationTests", dependencies: ["TextSegmentation", "CoNLL"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer", "Autodiff", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CheckpointingTests", dependencies: ["Checkpointing", "Collective", "TestSupport"]),
        .testTarget(name: "CollectiveTests", dependencies: ["Collective", "TestSupport"]),
        .testTarget(name: "TimelineTests", dependencies: ["Timeline"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"]),
        .testTarget(name: "MultiTaskTests", dependencies: ["MultiTask", "Optimizers", "Autodiff", "Transformer", "Parsing", "TestSupport"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "RegularFiles"]),
        .testTarget(name: "TextIOTests", dependencies: ["TextIO"]),
        .testTarget(name: "TaskSamplingTests", dependencies: ["TaskSampling", "TestSupport"]),
        .testTarget(name: "RunConfigTests", dependencies: ["RunConfig", "TaskSampling", "TestSupport"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles", "RunConfig", "CoNLL", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "ModelFiles", "RunConfig", "TaskSampling", "CoNLL", "Collective",
                                                          "Autodiff", "Checkpointing", "TestSupport"]),
        // runs the launch/ scripts (and through them the built mtl-dist) as separate processes
        .testTarget(name: "LaunchTests", dependencies: ["TestSupport"]),
        // the built release mtl-dist under mpirun (see Tests/DistributedTests/MTLDist.swift)
        .testTarget(name: "DistributedTests", dependencies: ["TestSupport", "Parsing"]),
    ],
    swiftLanguageModes: [.v5]
)
