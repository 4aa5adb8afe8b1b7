import ArgumentParser
import BenchGate
import BenchSystem

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

    func run() throws {
        var merge = MergeRun(folders: folders, out: out)
        merge.exports = exports
        let ending = try reportingErrors { () throws(BenchError) -> CommandEnding? in try merge.execute() }
        try end(ending)
    }
}
