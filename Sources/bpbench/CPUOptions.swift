import ArgumentParser
import BenchModel
import BenchSession
import BenchSystem

/// `--cpus`, shared by `run`, `check`, `gate-proof` and `plan`: the CPUs the children are pinned to
/// (``ChildCPUs``), one spelling and one resolution against the CPUs this process may run on.
struct CPUOptions: ParsableArguments {
    @Option(
        name: .customLong("cpus"),
        help:
            "Pin the children (each scenario and every process it starts) to these CPUs, as taskset -c lists them (0,1 or 0-3), or all; the Swift children get one NIO event loop per pinned CPU. Default: the first \(ChildCPUs.standardCount) CPUs this process may run on, so a bigger machine gives its children the same parallelism. Recorded in run.json; a baseline recorded with another CPU count is not judged against."
    )
    var cpus: String?

    /// `limits` with the children's CPUs: `--cpus` when given, else the set already there (a plan
    /// file's), checked against this machine, else the default.
    func apply(to limits: inout ChildLimits) throws(BenchError) {
        try limits.pinChildren(to: cpus)
    }

    /// The CPUs for children that repeat a recorded run (`check --run`'s what-grew repeats):
    /// `--cpus` when given, else the set the run recorded when this machine has it (a run from
    /// another machine may name CPUs this one lacks), else the default.
    func resolve(repeating recorded: ChildCPUs?) throws(BenchError) -> ChildCPUs {
        if cpus == nil, let recorded, let here = try? ChildCPUs.resolve(recorded.description) { return here }
        return try ChildCPUs.resolve(cpus)
    }
}
