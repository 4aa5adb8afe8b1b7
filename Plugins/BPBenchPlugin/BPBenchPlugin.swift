import Foundation
import PackagePlugin

/// `swift package bpbench run|check|list|init|report|baseline …` inside a package of one's own.
///
/// SwiftPM holds the package's build folder while a plugin runs, so the plugin cannot let
/// `bpbench` call `swift build` itself: it builds the package in release mode through SwiftPM's
/// own API, then runs `bpbench --package-path <package> --skip-build --bin-dir <that build>` with
/// the launcher SwiftPM built for it. SwiftPM squashes the plugin's exit code to 0 or 1; the
/// real one (1 regression, 65 not comparable, …) is in `Reports/verdict.json`, which `bpbench`
/// writes on every `run` and `check`.
@main
struct BPBenchPlugin: CommandPlugin {
    /// Commands that read the package's scenarios, so need them built first.
    static let building: Set<String> = ["run", "list", "check", "gate-proof", "plan"]

    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let bpbench = try context.tool(named: "bpbench").url
        let launcher = try context.tool(named: "bpbench-launch").url
        let subcommand = arguments.first ?? "list"
        let package = context.package.directoryURL.path
        var extra: [String] = []
        if Self.building.contains(subcommand) {
            let result = try packageManager.build(
                .all(includingTests: false), parameters: .init(configuration: .release, logging: .concise))
            guard result.succeeded else {
                FileHandle.standardError.write(Data(result.logText.utf8))
                Diagnostics.error("bpbench: \(package) does not build (see above)")
                exit(65)
            }
            let binDirectory =
                result.builtArtifacts.first { $0.kind == .executable }?.url.deletingLastPathComponent().path
                ?? context.pluginWorkDirectoryURL.path
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
        process.executableURL = bpbench
        process.arguments = arguments.isEmpty ? ["list"] + extra : [subcommand] + extra + arguments.dropFirst()
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
}
