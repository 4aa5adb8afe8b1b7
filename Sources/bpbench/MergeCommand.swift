import ArgumentParser
import BenchCore
import BenchProtocol
import BenchReport
import Foundation

/// `bpbench merge SHARD… --out DIR`: the shard folders of one plan as one run folder and one
/// report, a section per testbed (``ShardMerge``).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shard folders of one plan (bpbench run --plan … --shard I/N) into one run folder and one report, a section per testbed.",
        discussion: """
            Rows from identical testbeds (CPU model, cores, RAM, OS, kernel — not the host name) are summarised \
            together; rows from different testbeds never share a median, verdict or ratio. Exit codes: 0 merged; \
            3 merged but partial (a shard missing or interrupted: named on stderr and in report.md); 64 usage; \
            65 shards of different plans, revisions or cuts, overlapping shards, a corrupt shard folder; \
            66 a folder that is not a shard; 73 --out cannot be created. Nothing is written unless the shards agree.
            """)

    @Argument(help: "The shard folders (bpbench run --plan FILE --shard I/N --out DIR).")
    var folders: [String] = []

    @Option(help: "The merged folder to write; must not exist yet (or be empty).")
    var out: String

    @Option(name: .customLong("export"), help: "Also write a dashboard export per testbed: bencher, github-action-benchmark. Repeatable.")
    var exports: [String] = []

    /// Merged, and everything present was written, but a shard is missing or was cut short.
    static let partialExitCode: Int32 = 3

    func run() throws {
        let merge = try reportingErrors { () throws(BenchError) -> ShardMerge in
            let formats = try ExportFormat.parse(exports)
            let merge = try ShardMerge(folders: folders)
            try merge.write(to: out, formats: formats)
            return merge
        }
        let records = merge.groups.map(\.document.records.count).reduce(0, +)
        print("merged \(merge.shards.count) of \(merge.shardCount) shards (\(records) repeats, \(merge.groups.count) testbed\(merge.groups.count == 1 ? "" : "s")) into \(out)/ (report.md, merge.json\(merge.groups.count == 1 ? ", run.json and friends" : ", testbeds/K/"))")
        if merge.isPartial {
            let missing = merge.missing.map { "shard \($0)/\(merge.shardCount) missing" }
            let cut = merge.shards.filter(\.document.interrupted).map { "shard \($0.stamp.shard)/\(merge.shardCount) interrupted" }
            FileHandle.standardError.write(Data("bpbench: the merge is partial: \((missing + cut).joined(separator: ", ")); report.md says which rows are absent\n".utf8))
            throw ExitCode(Self.partialExitCode)
        }
    }
}
