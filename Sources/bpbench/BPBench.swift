import ArgumentParser
import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// `bpbench`: run backpressure scenarios in child processes, measure their memory and
/// throughput, report, compare and gate.
@main
struct BPBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpbench",
        abstract: "Measure what a backpressure strategy costs in memory and throughput.",
        discussion: """
            Exit codes: 0 success; 1 regression (check); 64 usage; 65 bad data (corrupt baseline, \
            thresholds, run file); 66 missing input; 70 internal error; 73 cannot create output; \
            74 I/O error; 130 interrupted.
            """,
        subcommands: [
            ListCommand.self, PlanCommand.self, RunCommand.self, MergeCommand.self, ReportCommand.self,
            CompareRunsCommand.self, CheckCommand.self, GateProofCommand.self, BaselineCommand.self,
            InitCommand.self,
        ])

    /// ArgumentParser's own `main`, plus the verdict file every `run` and `check` leaves behind
    /// (``Verdict``: a plugin's exit code reaches CI squashed to 0/1, the file does not).
    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        let recorder = VerdictRecorder(command)
        do {
            try command.run()
            recorder?.finish(exitCode: 0)
        } catch {
            recorder?.finish(exitCode: exitCode(for: error).rawValue)
            exit(withError: error)
        }
    }
}

/// Options every command that needs the project shares: this repository (found from the current
/// folder), or a package of one's own (`--package-path DIR`, built before its scenarios are read).
struct ProjectOptions: ParsableArguments {
    @Option(
        name: .customLong("root"),
        help: "The project folder (with Scenarios/); found from the current folder by default.")
    var root: String?

    @Option(
        name: .customLong("bin-dir"),
        help:
            "Where the scenario executables were built (default: beside bpbench; with --package-path, the package's .build/release)."
    )
    var binDirectory: String?

    @Option(
        name: .customLong("package-path"),
        help:
            "A package of your own whose Scenarios/ to run: built with `swift build -c release` first, reports under its Reports/. Relative paths in the other options (--baseline, --out, --run) are then taken from it, as `git -C` does."
    )
    var packagePath: String?

    @Flag(help: "With --package-path: do not build the package (the plugin has built it through SwiftPM already).")
    var skipBuild = false

    @Option(
        name: .customLong("launcher"),
        help: "With --package-path: the bpbench-launch executable (default: the one beside bpbench).")
    var launcher: String?

    mutating func validate() throws {
        guard let packagePath else {
            if skipBuild { throw ValidationError("--skip-build needs --package-path") }
            return
        }
        if root != nil { throw ValidationError("--root and --package-path name the project twice; pass one") }
        // Resolved before moving into the package, then the package is the current folder, so
        // every command's relative defaults (Reports/baseline.json) are the package's own.
        let absolute =
            packagePath.hasPrefix("/") ? packagePath : FileManager.default.currentDirectoryPath + "/" + packagePath
        self.packagePath = (absolute as NSString).standardizingPath
        if let binDirectory, !binDirectory.hasPrefix("/") {
            self.binDirectory = FileManager.default.currentDirectoryPath + "/" + binDirectory
        }
        if let launcher, !launcher.hasPrefix("/") {
            self.launcher = FileManager.default.currentDirectoryPath + "/" + launcher
        }
        // A folder that is not there is reported by catalog() with its own exit code.
        _ = FileManager.default.changeCurrentDirectoryPath(self.packagePath!)
    }

    /// This harness's own folder: where `bpbench` (and `bpbench-launch` beside it) runs from.
    static var harnessBinDirectory: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }

    /// The project's root without building anything (for the verdict file and run folders).
    func projectRoot() -> String? {
        if let packagePath {
            return FileManager.default.fileExists(atPath: packagePath + "/Package.swift") ? packagePath : nil
        }
        return try? ScenarioCatalog.locate(root: root, binDirectory: binDirectory).projectRoot
    }

    func catalog() throws(BenchError) -> ScenarioCatalog {
        guard let packagePath else { return try ScenarioCatalog.locate(root: root, binDirectory: binDirectory) }
        let package = try ScenarioPackage(path: packagePath)
        if !skipBuild, !Self.built.contains(package.root) {
            try package.build(log: { FileHandle.standardError.write(Data("bpbench: \($0)\n".utf8)) })
            Self.built.insert(package.root)
        }
        return package.catalog(
            launcherPath: launcher ?? Self.harnessBinDirectory + "/bpbench-launch", binDirectory: binDirectory)
    }

    /// The project's root as ``catalog()`` finds it (a package of one's own is built first), for
    /// the modules that ask for it only when they need `Reports/`.
    func catalogProjectRoot() throws(BenchError) -> String {
        try catalog().projectRoot
    }

    /// Packages this process has built already (a command may ask for the catalog twice).
    nonisolated(unsafe) static var built: Set<String> = []
}

/// Collects what the verdict file says about a `run` or `check`: the last error line, the run
/// folder (the one `Reports/latest` moved to) and the findings `check` recorded there
/// (`check.json`), then writes it.
final class VerdictRecorder {
    /// The last error line `reportingErrors` printed.
    nonisolated(unsafe) static var lastError: String?

    let command: String
    let projectRoot: String
    let latestBefore: String?

    /// Nil for commands that leave no verdict (everything but `run` and `check`), or when the
    /// project cannot be found (that error is the command's own to report).
    init?(_ command: ParsableCommand) {
        let project: ProjectOptions
        switch command {
        case let run as RunCommand: (self.command, project) = ("run", run.project)
        case let check as CheckCommand: (self.command, project) = ("check", check.project)
        default: return nil
        }
        guard let root = project.projectRoot() else { return nil }
        projectRoot = root
        latestBefore = Self.latest(in: root)
    }

    /// The findings `check` recorded in its run folder's `check.json` (nil when it judged nothing,
    /// or the file cannot be read: the verdict then says only how the command ended).
    static func findings(in runFolder: String) -> Int? {
        (try? CheckRecord.load(from: runFolder))??.findings.count
    }

    static func latest(in root: String) -> String? {
        try? RunFolder.Reports(projectRoot: root).runFolder(nil).path
    }

    func finish(exitCode: Int32) {
        let after = Self.latest(in: projectRoot)
        let runFolder = after != latestBefore ? after : nil
        let verdict = Verdict(
            command: command, exitCode: exitCode,
            findings: command == "check" ? runFolder.flatMap(Self.findings(in:)) : nil,
            errorLine: Self.lastError, runFolder: runFolder)
        do {
            try verdict.write(projectRoot: projectRoot)
        } catch {
            FileHandle.standardError.write(Data("bpbench: warning: \(error.message)\n".utf8))
        }
    }
}

/// Runs `body`, turning a ``BenchError`` into its one line on stderr and its exit code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as BenchError {
        FileHandle.standardError.write(Data("bpbench: error: \(error.message)\n".utf8))
        VerdictRecorder.lastError = error.message
        throw ExitCode(error.exitCode)
    }
}

/// Ends a command whose work is done: nothing for success, else its lines on stderr and its exit
/// code (``CommandEnding``).
func end(_ ending: CommandEnding?) throws {
    guard let ending else { return }
    for line in ending.lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    if ending.code != 0 { throw ExitCode(ending.code) }
}
