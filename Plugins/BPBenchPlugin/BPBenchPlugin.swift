import Foundation
import PackagePlugin

/// `swift package bpbench run|check|list|init|report|baseline …` inside a package of one's own.
///
/// SwiftPM holds the package's build folder while a plugin runs, so the plugin cannot let
/// `bpbench` call `swift build` itself: it builds the package in release mode through SwiftPM's
/// own API, then runs `bpbench --package-path <package> --skip-build --bin-dir <that build>` with
/// the launcher built beside it. SwiftPM squashes the plugin's exit code to 0 or 1; the real one
/// (1 regression, 65 not comparable, …) is in `Reports/verdict.json`, which `bpbench` writes on
/// every `run` and `check`.
///
/// `bpbench` and `bpbench-launch` are built here, in release, through the same API — not declared
/// as the plugin's tool dependencies: SwiftPM builds a command plugin's tools again, for the host,
/// in *every* `swift build` and `swift test` of the package that declares the plugin, whether or
/// not the plugin is run — 210 of a from-scratch release build's 855 CPU-s here (README, "CI: what
/// it runs and how long").
@main
struct BPBenchPlugin: CommandPlugin {
    /// Commands that read the package's scenarios, so need them built first.
    static let building: Set<String> = ["run", "list", "check", "gate-proof", "plan"]

    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let subcommand = arguments.first ?? "list"
        let package = context.package.directoryURL.path
        var extra: [String] = []
        if Self.building.contains(subcommand) {
            let scenarios = try release(.all(includingTests: false), failure: "\(package) does not build", exitCode: 65)
            let launcher = try harnessExecutable("bpbench-launch")
            let binDirectory =
                scenarios.builtArtifacts.first { $0.kind == .executable }?.url.deletingLastPathComponent().path
                ?? launcher.deletingLastPathComponent().path
            extra = ["--package-path", package, "--skip-build", "--bin-dir", binDirectory, "--launcher", launcher.path]
        } else if subcommand == "init" {
            // `init --scenario NAME` adds to this package; `init DIR` creates one where asked.
            if arguments.contains("--scenario") && !arguments.contains("--package-path") {
                extra = ["--package-path", package]
            }
        } else if subcommand != "--help" && subcommand != "-h" && subcommand != "compare" {
            extra = ["--package-path", package, "--skip-build"]
        }
        let process = Process()
        process.executableURL = try harnessExecutable("bpbench")
        // The command's words (`baseline update`, and any positional argument before the first
        // option) first, then the plugin's options: ArgumentParser takes a nested command's options
        // only after its name — `baseline --package-path … update` was "Unknown option".
        let words = arguments.isEmpty ? ["list"] : arguments
        let commandWords = words.prefix { !$0.hasPrefix("-") }
        process.arguments = Array(commandWords) + extra + words.dropFirst(commandWords.count)
        process.currentDirectoryURL = context.package.directoryURL
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Diagnostics.error(
                "bpbench \(subcommand) exited \(process.terminationStatus) (SwiftPM reports any failure as 1; Reports/verdict.json has the code)"
            )
            exit(process.terminationStatus)
        }
    }

    /// One of BackpressureBench's executable products, built in release (whatever `-c` the plugin
    /// was run with: the harness times and samples children, a debug build of it would not measure
    /// what the documented figures did).
    private func harnessExecutable(_ product: String) throws -> URL {
        let result = try release(.product(product), failure: "the harness's \(product) does not build", exitCode: 70)
        guard let executable = result.builtArtifacts.first(where: { $0.kind == .executable })?.url else {
            Diagnostics.error("bpbench: SwiftPM built \(product) but named no executable for it")
            exit(70)
        }
        return executable
    }

    /// Builds `subset` in release through SwiftPM; when it fails, SwiftPM's log on stderr, one
    /// line naming `failure`, and `exitCode`.
    private func release(
        _ subset: PackageManager.BuildSubset, failure: String, exitCode: Int32
    ) throws
        -> PackageManager.BuildResult
    {
        let result = try packageManager.build(subset, parameters: .init(configuration: .release, logging: .concise))
        guard result.succeeded else {
            FileHandle.standardError.write(Data(result.logText.utf8))
            Diagnostics.error("bpbench: \(failure) (see above)")
            exit(exitCode)
        }
        return result
    }
}
