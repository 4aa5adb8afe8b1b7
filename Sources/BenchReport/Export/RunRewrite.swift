import BenchModel
import BenchSystem
import Foundation

/// `bpbench report`'s steps: load a run folder (its run.json, or the journal of a run whose harness
/// died), rewrite its reports, and its A/B base side (`base/`) alike, saying what was done.
package struct RunRewrite {
    /// The run folder as named (a path, `latest`, or nil for `Reports/latest`).
    package var runFolder: String?
    /// The row ratios are computed against (nil: the run's own); must be in the run.
    package var reference: RowID?
    /// `--export` formats, as typed.
    package var exports: [String] = []

    package init(runFolder: String?) {
        self.runFolder = runFolder
    }

    /// Rewrites the folder; `projectRoot` is asked only to find `Reports/latest`.
    package func execute(projectRoot: () throws(BenchError) -> String) throws(BenchError) {
        let formats = try ExportFormat.parse(exports)
        let folder = RunFolder(existing: try RunFolder.Reports.runDirectory(runFolder, projectRoot: projectRoot))
        let document = try folder.load()
        if let reference, !document.records.contains(where: { $0.scenario == reference }) {
            throw BenchError(.usage, "--reference \(reference) is not in \(folder.path)")
        }
        try Self.rewrite(folder, document, reference: reference, formats: formats)
        // A check's A/B keeps the base revision's side in base/: rebuilt alike (with the
        // head's reference), so `check --run DIR` can judge a check that was killed.
        if folder.base.holdsRun {
            try Self.rewrite(
                folder.base, try folder.base.load(), reference: reference ?? document.reference, formats: formats)
        }
    }

    /// Writes one run folder's exports from `document` and says what it did.
    static func rewrite(
        _ folder: RunFolder, _ document: RunDocument, reference: RowID?, formats: [ExportFormat]
    ) throws(BenchError) {
        try RunWriter.write(RunAnalysis(document, reference: reference), to: folder.path, formats: formats)
        if document.recoveredFromJournal == true {
            print(
                "recovered \(document.records.count) finished rows from \(folder.journalPath) (the run did not finish); wrote run.json, report.md and friends"
            )
        } else {
            print("rewrote \(folder.path)/report.md and friends")
        }
    }
}
