import BenchModel
import BenchReport
import BenchSystem
import Foundation

/// `bpbench merge`'s steps: read the shard folders of one plan (nothing is written unless they
/// agree), a check's shards' judgements too, write the merged folder, say what was merged; then
/// end as the merge (partial: 3) or, for a check's shards, as `check` would (``verdict(_:out:)``).
package struct MergeRun {
    /// The shard folders (`bpbench run --plan FILE --shard I/N --out DIR`).
    package var folders: [String]
    /// The merged folder to write; must not exist yet (or be empty).
    package var out: String
    /// `--export` formats, as typed.
    package var exports: [String] = []

    package init(folders: [String], out: String) {
        self.folders = folders
        self.out = out
    }

    /// Merged, and everything present was written, but a shard is missing or was cut short — or,
    /// for a check's shards, no regression in the shards judged but some went unjudged.
    package static let partialExitCode: Int32 = 3

    /// Merges and writes; a disagreement between the shards throws before anything is written.
    /// Returns how the command ends (nil: merged whole, or a check that passed).
    package func execute() throws(BenchError) -> CommandEnding? {
        let formats = try ExportFormat.parse(exports)
        let merge = try ShardMerge(folders: folders)
        // A check's shards: their judgements are read and checked before anything is written.
        let check = merge.plan.check == nil ? nil : try CheckMerge(merge)
        let files =
            try check?.files(title: "bpbench check — \(merge.shards.count) of \(merge.shardCount) shards merged")
            ?? [:]
        try merge.write(to: out, formats: formats, files: files)
        let records = merge.groups.map(\.document.records.count).reduce(0, +)
        print(
            "merged \(merge.shards.count) of \(merge.shardCount) shards (\(records) repeats, \(merge.groups.count) testbed\(merge.groups.count == 1 ? "" : "s")) into \(out)/ (report.md, merge.json\(merge.groups.count == 1 ? ", run.json and friends" : ", testbeds/K/"))"
        )
        if let check { return Self.verdict(check, out: out) }
        return Self.partialEnding(merge)
    }

    /// A benchmark merge's end when a shard is missing or was interrupted: one line naming them.
    package static func partialEnding(_ merge: ShardMerge) -> CommandEnding? {
        guard merge.isPartial else { return nil }
        let missing = merge.missing.map { "shard \($0)/\(merge.shardCount) missing" }
        let cut = merge.shards.filter(\.document.interrupted).map {
            "shard \($0.stamp.shard)/\(merge.shardCount) interrupted"
        }
        return CommandEnding(
            code: partialExitCode,
            line:
                "bpbench: the merge is partial: \((missing + cut).joined(separator: ", ")); report.md says which rows are absent"
        )
    }

    /// The merged check's verdict as `check` says its own: one line and the findings on stdout,
    /// then its end — 1 a regression, 3 partial (never a pass), 65 nothing judged.
    package static func verdict(_ check: CheckMerge, out: String) -> CommandEnding? {
        let result = check.result
        let shards = check.merge.shardCount
        switch result.verdict {
        case .passed:
            print(
                "check passed: no regression (\(result.judgements.count) cells judged in \(shards) of \(shards) shards; \(out)/check.md)"
            )
        case .failed:
            print("check FAILED: \(result.findings.count) regression(s) (\(out)/check.md)")
            for finding in result.findings { print("  - \(finding)") }
        case .partial, .notComparable:
            break
        }
        var lines: [String] = []
        if !result.missingShards.isEmpty {
            let absent = result.missingShards.map { "shard \($0)/\(shards) not judged (\(check.absence(of: $0)))" }
            lines.append(
                "bpbench: the check is partial, not passed: \(absent.joined(separator: "; ")); \(out)/check.md names its rows"
            )
        }
        switch result.verdict {
        case .passed:
            return lines.isEmpty ? nil : CommandEnding(code: 0, lines: lines)
        case .failed:
            return CommandEnding(code: 1, lines: lines)
        case .partial:
            return CommandEnding(code: partialExitCode, lines: lines)
        case .notComparable:
            // After the merge was written: the line names the shards whose rows went unjudged.
            let error = BenchError(
                .data, "not comparable: \(check.notComparable ?? "no cell could be judged") (\(out)/check.md)")
            return CommandEnding(code: error.exitCode, lines: lines + CommandEnding(after: error).lines)
        }
    }
}
