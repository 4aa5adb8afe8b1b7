import ArgumentParser
import BenchModel

/// `--cpus`, shared by `run`, `check`, `gate-proof` and `plan`: the CPUs the children are pinned to
/// (``ChildCPUs``), one spelling; the modules below resolve it against the CPUs this process may
/// run on (``ChildLimits/pinChildren(to:)``, ``CheckSettings/childCPUs(repeating:)``).
struct CPUOptions: ParsableArguments {
    @Option(
        name: .customLong("cpus"),
        help:
            "Pin the children (each scenario and every process it starts) to these CPUs, as taskset -c lists them (0,1 or 0-3), or all; the Swift children get one NIO event loop per pinned CPU. Default: the first \(ChildCPUs.standardCount) CPUs this process may run on, so a bigger machine gives its children the same parallelism. Recorded in run.json; a baseline recorded with another CPU count is not judged against."
    )
    var cpus: String?
}
