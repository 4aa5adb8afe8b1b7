/// Limits and sampling settings for one child run.
public struct ChildLimits: Sendable {
    /// Parent /proc sampling period (and the child's jemalloc sampling period).
    public var sampleIntervalMs: Double = 1
    /// Period of the timeline the report keeps (each point is the maximum over its window).
    public var timelineIntervalMs: Double = 10
    /// RSS above which the child is killed with status `memory-cap`.
    public var memoryCapBytes: Int = 2 << 30
    /// Wall time after which the child is killed with status `timeout`.
    public var timeoutS: Double = 120
    /// Most bytes of the child's stdout+stderr kept in its log.
    public var logLimitBytes: Int = 4 << 20
    /// Kill the child with SIGKILL this many seconds after its start (status `killed`); for
    /// `--crash-test`.
    public var killAfterS: Double?
    /// The CPUs the child is pinned to, its NIO thread counts with them (``ChildCPUs``); the
    /// default is ``ChildCPUs/standard(allowed:)``, nil (only when the harness cannot read its own
    /// affinity) runs unpinned.
    public var cpus: ChildCPUs? = .standard()

    public init() {}
}
