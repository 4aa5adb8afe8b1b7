import BenchModel
import BenchSystem

/// What `bpbench check` was asked to do — every option as a value — with the checks the options
/// get against each other before anything runs (``checkWhatGrewRows()``, ``mode()``).
///
/// The defaults here are the command line's defaults (the CLI declares its options with them).
package struct CheckSettings: Equatable, Sendable {
    /// `--baseline`: nil is ``PlanWriter/defaultBaseline``, or with `--plan` the plan's own.
    package var baseline: String?
    /// `--run DIR`: judge this existing run folder instead of running a plan.
    package var runFolder: String?
    /// `--against REV`: the base revision built and run interleaved with this tree.
    package var against: String?
    /// `--inject NAME.key=value`: declared parameter changes standing for a code change.
    package var inject: [String] = []
    /// `--thresholds FILE` (nil: `Reports/thresholds.json` if present, else the built-in ones).
    package var thresholds: String?
    /// `--out`: the run folder to write (nil: `Reports/runs/<timestamp>`).
    package var out: String?
    /// `--fixed-repeats`: every row runs the maximum repeat count.
    package var fixedRepeats = false
    /// `--scenario`: the baseline rows to judge (NAME, NAME/VARIANT or NAME/*; empty: all).
    package var scenarios: [String] = []
    /// `--plan`, `--shard`, `--shards`, `--shard-from-env`.
    package var sharding = ShardRequest()
    /// `--cpus`, as typed (nil: a plan file's set, else the default).
    package var cpus: String?
    /// `--no-what-grew`: no heap-profiled repeats for memory findings.
    package var noWhatGrew = false
    /// `--what-grew-rows`: the most regressed (row, scale) pairs profiled.
    package var whatGrewRows = WhatGrewProfiler.defaultMaximumRows
    package var quiet = false

    package init() {}

    /// The command line's defaults.
    package static let defaults = CheckSettings()

    /// What the options ask `check` to do, once they agree with each other (``mode()``).
    package enum Mode: Equatable, Sendable {
        /// `--run DIR`: judge an existing run folder; nothing new runs but what-grew's repeats.
        case judge(runFolder: String)
        /// `--plan FILE`: run and judge this machine's shard of a check's plan.
        case shard(planFile: String)
        /// Run and judge the baseline's plan on this tree.
        case baselinePlan
    }

    /// The baseline file the options name: `--baseline`, else ``PlanWriter/defaultBaseline``
    /// (with `--plan`, the plan's own baseline is the default instead: ``CheckHead``).
    package var baselinePath: String { baseline ?? PlanWriter.defaultBaseline }

    /// `--what-grew-rows` is a count ≥ 1 (`--no-what-grew` is how to profile nothing); checked
    /// first, before the project is read.
    package func checkWhatGrewRows() throws(BenchError) {
        guard whatGrewRows >= 1 else {
            throw BenchError(
                .usage,
                "--what-grew-rows takes a count ≥ 1, got \(whatGrewRows) (--no-what-grew turns the profiled repeats off)"
            )
        }
    }

    /// Which of the three things `check` does, refusing options that belong to another: `--run`
    /// judges an existing run (no `--inject`, `--against`, `--plan` or shard options); `--plan`
    /// fixed what is judged when it was made (no `--scenario`, `--inject`, `--fixed-repeats`);
    /// without `--plan` nothing can be cut into shards.
    package func mode() throws(BenchError) -> Mode {
        if let runFolder {
            guard inject.isEmpty, against == nil, sharding.planFile == nil, !sharding.cutsAPlan else {
                throw BenchError(
                    .usage, "--run judges an existing run; --inject, --against, --plan and --shard run a new one")
            }
            return .judge(runFolder: runFolder)
        }
        if let planFile = sharding.planFile {
            for (option, given) in [
                ("--scenario", !scenarios.isEmpty), ("--inject", !inject.isEmpty), ("--fixed-repeats", fixedRepeats),
            ] where given {
                throw BenchError(
                    .usage,
                    "--plan fixes what the check judges; \(option) belongs on bpbench plan --check when the plan is made"
                )
            }
            return .shard(planFile: planFile)
        }
        if sharding.cutsAPlan {
            throw BenchError(
                .usage,
                "--shard, --shards and --shard-from-env cut a check's plan: make one with bpbench plan --check … --out FILE, then check --plan FILE"
            )
        }
        return .baselinePlan
    }

    /// The CPUs for children that repeat a recorded run (`check --run`'s what-grew repeats):
    /// `--cpus` when given, else the set the run recorded when this machine has it (a run from
    /// another machine may name CPUs this one lacks), else the default.
    package func childCPUs(repeating recorded: ChildCPUs?) throws(BenchError) -> ChildCPUs {
        if cpus == nil, let recorded, let here = try? ChildCPUs.resolve(recorded.description) { return here }
        return try ChildCPUs.resolve(cpus)
    }
}
