// swift-tools-version: 6.2
//
// BackpressureBench: a harness that runs backpressure strategies in child processes and measures
// what they cost in memory and throughput.
//
// Scenarios are discovered, not listed: every folder under `Scenarios/` becomes an executable
// target linked against ScenarioKit, so adding a strategy never touches `Sources/`. Test-only
// fault fixtures under `Tests/Fixtures/` are discovered the same way.

import Foundation
import PackageDescription

let packageRoot = Context.packageDirectory

/// The sub-folders of `relativePath` that contain Swift sources, sorted for a stable manifest.
func swiftFolders(in relativePath: String) -> [String] {
    let fileManager = FileManager.default
    let base = packageRoot + "/" + relativePath
    guard let names = try? fileManager.contentsOfDirectory(atPath: base) else { return [] }
    return names.sorted().filter { name in
        guard !name.hasPrefix(".") else { return false }
        let files = (try? fileManager.contentsOfDirectory(atPath: base + "/" + name)) ?? []
        return files.contains { $0.hasSuffix(".swift") }
    }
}

/// What every scenario (and fixture) may import: the author API plus the real I/O stacks.
let scenarioDependencies: [Target.Dependency] = [
    "ScenarioKit",
    "ScenarioSupport",
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "_NIOFileSystem", package: "swift-nio"),
    .product(name: "DequeModule", package: "swift-collections"),
    .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
]

/// What one scenario needs beyond the rest (a client library the others should not link).
let extraScenarioDependencies: [String: [Target.Dependency]] = [
    // libpq, for the postgres backend (Debian: libpq-dev). It replaced postgres-nio, whose
    // swift-crypto and swift-nio-ssl put two BoringSSL copies into every build of this package.
    // SQLite's C API for its default backend (Debian: libsqlite3-dev). It replaced GRDB, 113 of a
    // from-scratch release build's 629 CPU-s for this one scenario's one file.
    "persistent-queue": ["CLibPQ", "CSQLite"],
    // zlib, for the Node guide's gzip experiment (Debian: zlib1g-dev).
    "gzip-guide": ["CZlib"],
]

func scenarioTarget(_ name: String, under folder: String) -> Target {
    let path = folder + "/" + name
    let hasReadme = FileManager.default.fileExists(atPath: packageRoot + "/" + path + "/README.md")
    return .executableTarget(
        name: name,
        dependencies: scenarioDependencies + (extraScenarioDependencies[name] ?? []),
        path: path,
        exclude: hasReadme ? ["README.md"] : []
    )
}

/// `-enable-testing` in release for the harness modules the tests `@testable import`.
/// An unsafe flag: SwiftPM refused a package using one as a *versioned* dependency until tools
/// version 6.2 (the reason this manifest declares 6.2: a package of one's own depends on this one
/// by URL and version, as `bpbench init` writes it).
let harnessTestability: [SwiftSetting] = [.unsafeFlags(["-enable-testing"], .when(configuration: .release))]

/// The test code itself (the three test targets and BenchTestSupport) unoptimised in release: the
/// tests run against the release build of everything they test (harness, ScenarioKit, scenarios,
/// all at -O), but their own code only drives it — no figure a test judges is timed in test code
/// (README, "CI: what it runs and how long": what the test build costs at -O and -Onone).
/// The driver takes the last optimisation flag, and a target's unsafe flags follow SwiftPM's `-O`.
let testCodeOptimization: [SwiftSetting] = [.unsafeFlags(["-Onone"], .when(configuration: .release))]

/// The harness's library modules, top to bottom (README, "Layout"): what bpbench and the harness
/// tests link.
let harnessModules: [Target.Dependency] = [
    "BenchSession", "BenchGate", "BenchReport", "BenchCore", "BenchModel", "BenchStatistics", "BenchSystem",
    "BenchProtocol",
]

let scenarioTargets = swiftFolders(in: "Scenarios").map { scenarioTarget($0, under: "Scenarios") }
let fixtureTargets = swiftFolders(in: "Tests/Fixtures").map { scenarioTarget($0, under: "Tests/Fixtures") }

let package = Package(
    name: "BackpressureBench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bpbench", targets: ["bpbench"]),
        // The launcher bpbench runs every child through; a product so the plugin can build it in a
        // package of one's own (a dependency's executable *targets* are not buildable there).
        .executable(name: "bpbench-launch", targets: ["bpbench-launch"]),
        // What a package of one's own depends on to write scenarios (the guide: Sources/ScenarioKit/ScenarioKit.docc):
        // the author API, with jemalloc linked through it, and the real-I/O building blocks.
        .library(name: "ScenarioKit", targets: ["ScenarioKit"]),
        .library(name: "ScenarioSupport", targets: ["ScenarioSupport"]),
        // `swift package bpbench run|check|list|init …` inside a package of one's own.
        .plugin(name: "BPBenchPlugin", targets: ["BPBenchPlugin"]),
        // Preloaded into a child by `bpbench run --allocator system`: glibc's malloc for a
        // program linked with jemalloc.
        .library(name: "BPBenchSystemMalloc", type: .dynamic, targets: ["SystemMalloc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // The allocator every scenario child runs on (Debian: libjemalloc-dev).
        .systemLibrary(
            name: "CJemalloc",
            path: "Sources/CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        // zlib for gzip-guide (Debian: zlib1g-dev); only that scenario links it.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // SQLite for persistent-queue's default backend (Debian: libsqlite3-dev); only that scenario links it.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // PostgreSQL's C client for persistent-queue's postgres backend (Debian: libpq-dev, whose
        // pkg-config adds -I/usr/include/postgresql); only that scenario links it.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // Compiled-in `malloc_conf` defaults so a child run by hand behaves like one run by bpbench.
        .target(name: "JemallocDefaults", path: "Sources/JemallocDefaults"),
        .target(name: "SystemMalloc", path: "Sources/SystemMalloc", linkerSettings: [.linkedLibrary("dl")]),
        // Tiny C process that spawns a scenario so the kernel's ru_maxrss is the child's own.
        .executableTarget(name: "bpbench-launch", path: "Sources/bpbench-launch"),
        // Wire types shared by the child (ScenarioKit) and the parent (BenchCore, BenchModel).
        .target(name: "BenchProtocol"),
        .target(
            name: "ScenarioKit",
            dependencies: [
                "BenchProtocol", "CJemalloc", "JemallocDefaults",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Reusable real-I/O building blocks for scenarios (loopback TCP sink, chunked file source).
        .target(
            name: "ScenarioSupport",
            dependencies: [
                "ScenarioKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // The harness's modules, split by what they depend on (README, "Layout"), each testable in
        // release too (`@testable import` in the tests), so `make test` and CI test the release
        // build `make bench` and the gate run — one build, not a debug one beside it — without
        // `-enable-testing` on every module: the scenario binaries (which never link these) stay
        // exactly what `make bench` measures.
        // The syscalls (EINTR, fsync, the clock), atomic file writes and the error every command exits with.
        .target(name: "BenchSystem", swiftSettings: harnessTestability),
        // The run model: plan, records, documents, row identity, run folder — no process APIs.
        .target(name: "BenchModel", dependencies: ["BenchProtocol", "BenchSystem"], swiftSettings: harnessTestability),
        // Mann–Whitney, median and ratio intervals, spread: plain numbers in, plain numbers out.
        .target(name: "BenchStatistics", swiftSettings: harnessTestability),
        // Execution: catalog discovery, the launcher, /proc, the process tree, pipes, the watch, the run loop.
        .target(
            name: "BenchCore", dependencies: ["BenchModel", "BenchSystem", "BenchProtocol"],
            swiftSettings: harnessTestability),
        // The reporter: a run's analysis (summaries, growth verdicts, claims), `Export/` and `Charts/`.
        .target(
            name: "BenchReport", dependencies: ["BenchModel", "BenchStatistics", "BenchSystem", "BenchProtocol"],
            swiftSettings: harnessTestability
        ),
        // The gate: thresholds, baseline, judgement, findings, the gate's repeat rule, check records.
        .target(
            name: "BenchGate",
            dependencies: ["BenchReport", "BenchModel", "BenchStatistics", "BenchSystem", "BenchProtocol"],
            swiftSettings: harnessTestability
        ),
        // What a command drives end to end: the A/B gate session, the base revision's build, progress.
        .target(
            name: "BenchSession",
            dependencies: [
                "BenchGate", "BenchReport", "BenchCore", "BenchModel", "BenchStatistics", "BenchSystem",
                "BenchProtocol",
            ],
            swiftSettings: harnessTestability
        ),
        .executableTarget(
            name: "bpbench",
            dependencies: harnessModules + [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The command plugin: builds the package's scenarios through SwiftPM, then runs bpbench on
        // them. It writes run folders, the verdict and the baseline under Reports/ (and init writes
        // scenario folders), hence the permission; it needs no network. No tool dependencies: it
        // builds bpbench and bpbench-launch itself when run, because SwiftPM builds a command
        // plugin's tools again for the host in every `swift build`/`swift test` (README, "CI").
        .plugin(
            name: "BPBenchPlugin",
            capability: .command(
                intent: .custom(
                    verb: "bpbench",
                    description:
                        "Run, list and gate the package's backpressure scenarios (bpbench run|check|list|init|report|baseline)"
                ),
                permissions: [
                    .writeToPackageDirectory(
                        reason:
                            "bpbench writes Reports/ (run folders, verdict.json, baseline.json) and init writes Scenarios/"
                    )
                ]
            ),
            path: "Plugins/BPBenchPlugin"
        ),
        // What both harness test targets share: paths to this build, running a child or bpbench,
        // synthetic runs, and the orphan check every end-to-end test runs under.
        .target(
            name: "BenchTestSupport",
            dependencies: harnessModules,
            path: "Tests/BenchTestSupport",
            swiftSettings: testCodeOptimization
        ),
        // Pure tests of the harness: model, statistics, the gate on synthetic documents, exporters,
        // snapshots, parsing. No test here starts a process (checked in each tearDown), so the
        // target runs in seconds: `make test-unit`.
        .testTarget(
            name: "BackpressureBenchUnitTests",
            dependencies: ["BenchTestSupport"] + harnessModules,
            path: "Tests/BackpressureBenchUnitTests",
            swiftSettings: testCodeOptimization
        ),
        // Every test that starts a process (a scenario child, bpbench, git, swift build, PostgreSQL,
        // Node, Chromium), each under the orphan check: `make test-e2e`.
        .testTarget(
            name: "BackpressureBenchEndToEndTests",
            dependencies: ["BenchTestSupport"] + harnessModules,
            path: "Tests/BackpressureBenchEndToEndTests",
            swiftSettings: testCodeOptimization
        ),
        // The child side's building blocks, which every verdict rests on: verifiers, codec,
        // channels, the Writable contract.
        .testTarget(
            name: "ScenarioKitTests",
            dependencies: [
                "ScenarioKit", "ScenarioSupport", "BenchProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/ScenarioKitTests",
            swiftSettings: testCodeOptimization
        ),
    ] + scenarioTargets + fixtureTargets
)
