import BenchModel
import BenchSystem
import Foundation

/// A Swift package of one's own whose scenarios `bpbench … --package-path DIR` runs: it depends on
/// BackpressureBench's `ScenarioKit` (and `ScenarioSupport`) products and keeps its scenarios where
/// this repository keeps its own — one folder per scenario under `DIR/Scenarios/`, an executable
/// target of the same name (Swift sources), or a `scenario.json` naming any other program.
///
/// Before anything is written it checks the package (a `Package.swift`, at least one scenario
/// folder, no scenario named like a module of this harness), then builds it in release mode with
/// SwiftPM. Each refusal is one line with its own exit code, so a CI step can tell them apart.
public struct ScenarioPackage: Sendable {
    /// The package's root (absolute, standardized).
    public let root: String

    /// Where `swift build -c release` puts the package's executables.
    public var binDirectory: String { root + "/.build/release" }

    /// Where the last build's output is kept (inside SwiftPM's own scratch folder, never in the
    /// package's sources).
    public var buildLog: String { root + "/.build/bpbench-build.log" }

    /// What a user scenario binary is built from: its manifest, the resolved versions, the
    /// scenarios and the package's own libraries (`check --against` skips the second build when
    /// none of them differs).
    public static let scenarioInputs = ["Package.swift", "Package.resolved", "Scenarios", "Sources"]

    /// The modules and executables this harness adds to a dependent's build graph (its library
    /// products' targets and their C pieces, and `bpbench` / `bpbench-launch`): a scenario folder —
    /// an executable target — of the same name would collide with them in SwiftPM's graph or in
    /// the bin folder. Kept equal to Package.swift's non-scenario targets by
    /// `OwnPackageTests.testTheReservedNamesAreThePackagesOwnTargets`.
    public static let reservedNames: Set<String> = [
        "BenchProtocol", "ScenarioKit", "ScenarioSupport", "CJemalloc", "CZlib", "CLibPQ", "CSQLite",
        "JemallocDefaults", "SystemMalloc",
        "BenchSystem", "BenchModel", "BenchStatistics", "BenchCore", "BenchReport", "BenchGate", "BenchSession",
        "BenchTestSupport",
        "bpbench", "bpbench-launch",
    ]

    /// Checks `path` is a package with scenarios, none named like a harness module.
    public init(path: String) throws(BenchError) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        root = (absolute as NSString).standardizingPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue,
            FileManager.default.fileExists(atPath: root + "/Package.swift")
        else {
            throw BenchError(
                .noInput,
                "--package-path \(path) is not a Swift package (no Package.swift there); create one with: bpbench init \(path)"
            )
        }
        let folders = ScenarioCatalog.scenarioFolders(in: root + "/Scenarios")
        guard !folders.isEmpty else {
            throw BenchError(
                .config,
                "\(root) has no scenarios: no folder under Scenarios/ holds Swift sources or a \(ScenarioManifest.fileName) (add one with: bpbench init --scenario NAME --package-path \(path))"
            )
        }
        if let clash = folders.first(where: { Self.reservedNames.contains($0.name) }) {
            throw BenchError(
                .usage,
                "scenario '\(clash.name)' in \(root)/Scenarios is named like a BackpressureBench module; rename its folder (and target)"
            )
        }
    }

    /// The catalog over this package's scenarios (built into `binDirectory`, by default its
    /// `.build/release`), run through `launcherPath` (this harness's own `bpbench-launch`).
    public func catalog(launcherPath: String, binDirectory: String? = nil) -> ScenarioCatalog {
        ScenarioCatalog(
            projectRoot: root, binDirectory: binDirectory ?? self.binDirectory, launcherPath: launcherPath,
            scenarioInputs: Self.scenarioInputs)
    }

    /// `swift build -c release` in the package (every executable: the scenarios and whatever else
    /// it declares), its output in ``buildLog``. A failed build is one line naming the first error.
    public func build(swift: String = "swift", log: (String) -> Void = { _ in }) throws(BenchError) {
        try? FileManager.default.createDirectory(atPath: root + "/.build", withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: buildLog, contents: nil),
            let handle = FileHandle(forWritingAtPath: buildLog)
        else {
            throw BenchError(.cannotCreate, "cannot write the build log \(buildLog)")
        }
        defer { try? handle.close() }
        log("building \(root) (swift build -c release) …")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // --manifest-cache none: the manifest discovers Scenarios/* when evaluated; a cached
        // evaluation would miss a folder added since.
        process.arguments = [swift, "build", "-c", "release", "--manifest-cache", "none", "--package-path", root]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError(.unavailable, "cannot run \(swift) build: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOfFile: buildLog, encoding: .utf8)) ?? ""
            let firstError = output.split(separator: "\n").first { $0.contains("error:") }.map {
                String($0).trimmingCharacters(in: .whitespaces)
            }
            throw BenchError(.data, "\(root) does not build\(firstError.map { ": " + $0 } ?? "") (log: \(buildLog))")
        }
    }
}
