import BenchModel
import BenchSystem
import Foundation

/// `bpbench baseline update`'s steps: pick the runs to record (those named, else the most recent
/// runs of the latest run's plan, revision and CPU set), write the baseline atomically, and say
/// what it holds — the verdicts the runs disagree on, and a warning when one run leaves the
/// spread between runs unknown.
package struct BaselineUpdate {
    /// Run folders to record, as named (empty: the most recent ``runs``).
    package var runFolders: [String] = []
    /// How many separate runs to record (nil: the standard count, or as many as named).
    package var runs: Int?
    /// The baseline file to write.
    package var baseline = "Reports/baseline.json"

    package init() {}

    /// Records and writes the baseline; `projectRoot` is asked only to find `Reports/`.
    package func execute(projectRoot: () throws(BenchError) -> String) throws(BenchError) {
        if let runs, runs < 1 { throw BenchError(.usage, "--runs takes a count ≥ 1, got \(runs)") }
        let recording: BaselineRecording
        if runFolders.isEmpty {
            let reports = RunFolder.Reports(projectRoot: try projectRoot())
            recording = try BaselineRecording.mostRecent(
                runs ?? BaselineRecording.standardRunCount, like: try reports.runFolder(nil).path, in: reports.runs)
        } else {
            let asked = runs ?? runFolders.count
            guard runFolders.count >= asked else {
                throw BenchError(.noInput, "--runs \(asked) asks for \(asked) runs; \(runFolders.count) --run given")
            }
            var sources: [BaselineRecording.Source] = []
            for folder in runFolders {
                sources.append(
                    try BaselineRecording.Source(
                        folder: try RunFolder.Reports.runDirectory(folder, projectRoot: projectRoot)))
            }
            recording = try BaselineRecording(sources)
        }
        let file = recording.baseline()
        try file.write(to: baseline)
        let ids = recording.sources.map(\.id).joined(separator: ", ")
        print("wrote \(baseline) from \(recording.sources.count) run(s): \(ids) (\(file.entries.count) entries)")
        for line in BaselineRecording.verdictDisagreements(file) {
            print("note: \(line) — recorded inconclusive (the check does not hold the row to a verdict)")
        }
        if !file.knowsRunSpread {
            FileHandle.standardError.write(
                Data(
                    "bpbench: warning: one run: \(Gate.unknownRunSpreadNote) — its cells are judged against that run's repeats alone (record \(BaselineRecording.standardRunCount): make baseline)\n"
                        .utf8))
        }
    }
}
