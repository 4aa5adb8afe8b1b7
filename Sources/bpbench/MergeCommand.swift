import ArgumentParser
import BenchGate
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `bpbench merge SHARD… --out DIR`: the shard folders of one plan as one run folder and one
/// report, a section per testbed (``ShardMerge``).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract:
            "Combine the shard folders of one plan (bpbench run --plan … --shard I/N) into one run folder and one report, a section per testbed.",
        discussion: """
            Rows from identical testbeds (CPU model, cores, RAM, OS, kernel — not the host name) are summarised \
            together; rows from different testbeds never share a median, verdict or ratio. Exit codes: 0 merged; \
            3 merged but partial (a shard missing or interrupted: named on stderr and in report.md); 64 usage; \
            65 shards of different plans, revisions or cuts, overlapping shards, a corrupt shard folder; \
            66 a folder that is not a shard; 73 --out cannot be created. Nothing is written unless the shards agree.
            Shards of a check's plan (bpbench plan --check; bpbench check --plan P --shard I/N): their judgements \
            (check.json) are combined into one verdict, merged/check.md and merged/check.json, and the exit code is \
            check's: 0 passed (every shard judged, no regression); 1 a regression in any shard (one line each); \
            3 partial — no regression in the shards judged, but a shard's judgements are missing (never a pass); \
            65 shards of different plans, revisions, baselines or thresholds, a row judged twice, a corrupt check.json \
            (nothing merged) — or, merged, a shard that had rows judged no cell (not comparable, one line). \
            The shards' what grew (memory findings' heap-profile diffs) is in the merged check.md and check.json, \
            its flame graphs and profiles copied beside them.
            """)

    @Argument(help: "The shard folders (bpbench run --plan FILE --shard I/N --out DIR).")
    var folders: [String] = []

    @Option(help: "The merged folder to write; must not exist yet (or be empty).")
    var out: String

    @Option(
        name: .customLong("export"),
        help: "Also write a dashboard export per testbed: bencher, github-action-benchmark. Repeatable.")
    var exports: [String] = []

    /// Merged, and everything present was written, but a shard is missing or was cut short.
    static let partialExitCode: Int32 = 3

    func run() throws {
        let (merge, check) = try reportingErrors { () throws -> (ShardMerge, CheckMerge?) in
            let formats = try ExportFormat.parse(exports)
            let merge = try ShardMerge(folders: folders)
            // A check's shards: their judgements are read and checked before anything is written.
            let check = merge.plan.check == nil ? nil : try CheckMerge(merge)
            let files =
                try check?.files(title: "bpbench check — \(merge.shards.count) of \(merge.shardCount) shards merged")
                ?? [:]
            try merge.write(to: out, formats: formats, files: files)
            return (merge, check)
        }
        let records = merge.groups.map(\.document.records.count).reduce(0, +)
        print(
            "merged \(merge.shards.count) of \(merge.shardCount) shards (\(records) repeats, \(merge.groups.count) testbed\(merge.groups.count == 1 ? "" : "s")) into \(out)/ (report.md, merge.json\(merge.groups.count == 1 ? ", run.json and friends" : ", testbeds/K/"))"
        )
        if let check {
            try Self.verdict(check, out: out)
            return
        }
        if merge.isPartial {
            let missing = merge.missing.map { "shard \($0)/\(merge.shardCount) missing" }
            let cut = merge.shards.filter(\.document.interrupted).map {
                "shard \($0.stamp.shard)/\(merge.shardCount) interrupted"
            }
            FileHandle.standardError.write(
                Data(
                    "bpbench: the merge is partial: \((missing + cut).joined(separator: ", ")); report.md says which rows are absent\n"
                        .utf8))
            throw ExitCode(Self.partialExitCode)
        }
    }

    /// The merged check's verdict as `check` says its own: one line, the findings, its exit code.
    static func verdict(_ check: CheckMerge, out: String) throws {
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
        if !result.missingShards.isEmpty {
            let absent = result.missingShards.map { "shard \($0)/\(shards) not judged (\(check.absence(of: $0)))" }
            FileHandle.standardError.write(
                Data(
                    "bpbench: the check is partial, not passed: \(absent.joined(separator: "; ")); \(out)/check.md names its rows\n"
                        .utf8))
        }
        switch result.verdict {
        case .passed: return
        case .failed: throw ExitCode(1)
        case .partial: throw ExitCode(Self.partialExitCode)
        case .notComparable:
            // After the merge was written: the line names the shards whose rows went unjudged.
            try reportingErrors { () throws -> Void in
                throw BenchError(
                    .data, "not comparable: \(check.notComparable ?? "no cell could be judged") (\(out)/check.md)")
            }
        }
    }
}
