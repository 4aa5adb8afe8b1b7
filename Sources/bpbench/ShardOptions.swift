import ArgumentParser
import BenchSession

/// The options that pick a plan file and this machine's shard of it, shared by `run` (a
/// benchmark's plan) and `check` (a check's plan): one spelling, one help text, one resolution of
/// the index from the command line or the engine's environment.
struct ShardOptions: ParsableArguments {
    @Option(
        name: .customLong("plan"),
        help:
            "Run a plan file (bpbench plan … --out FILE; for check, bpbench plan --check …) instead of resolving one from the options; it must have been made at this revision."
    )
    var planFile: String?

    @Option(
        help:
            "With --plan: run shard I of N (I from 1), e.g. 2/3 — a deterministic slice, balanced by expected cost: a row's repeats at one scale stay together (for check, whole rows: every scale and both sides of the A/B on this machine)."
    )
    var shard: String?

    @Option(
        help:
            "With --plan: the number of shards when the index comes from the environment: --shard-from-env VAR, else JOB_COMPLETION_INDEX (Kubernetes Indexed Job, from 0), else SLURM_ARRAY_TASK_ID (from SLURM_ARRAY_TASK_MIN; its count from SLURM_ARRAY_TASK_COUNT)."
    )
    var shards: Int?

    @Option(
        name: .customLong("shard-from-env"),
        help:
            "With --plan and --shards N: the environment variable holding this machine's shard index, counted from 0 as engines do."
    )
    var shardFromEnvironment: String?

    /// The options as values (``ShardRequest``), for the modules below.
    var request: ShardRequest {
        ShardRequest(planFile: planFile, shard: shard, shards: shards, shardFromEnvironment: shardFromEnvironment)
    }
}
