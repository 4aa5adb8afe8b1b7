import ArgumentParser
import BenchCore
import BenchProtocol
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
        subcommands: [ListCommand.self, PlanCommand.self, RunCommand.self, MergeCommand.self, ReportCommand.self, CompareRunsCommand.self, CheckCommand.self, GateProofCommand.self, BaselineCommand.self])
}

/// Options every command that needs the project shares.
struct ProjectOptions: ParsableArguments {
    @Option(name: .customLong("root"), help: "The project folder (with Scenarios/); found from the current folder by default.")
    var root: String?

    @Option(name: .customLong("bin-dir"), help: "Where the scenario executables were built (default: beside bpbench).")
    var binDirectory: String?

    func catalog() throws(BenchError) -> ScenarioCatalog {
        try ScenarioCatalog.locate(root: root, binDirectory: binDirectory)
    }
}

/// Runs `body`, turning a ``BenchError`` into its one line on stderr and its exit code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as BenchError {
        FileHandle.standardError.write(Data("bpbench: error: \(error.message)\n".utf8))
        throw ExitCode(error.exitCode)
    }
}
