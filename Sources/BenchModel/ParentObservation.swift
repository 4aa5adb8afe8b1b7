import BenchProtocol

/// What the parent measured about a child itself, from the launcher's `wait4`, `/proc` and its
/// own supervision.
public struct ParentObservation: Codable, Sendable, Equatable {
    public var exitCode: Int32?
    public var signal: Int32?
    /// From spawn to reaped, seconds.
    public var wallS = 0.0
    /// The kernel's peak (`ru_maxrss` from `wait4`): the child's own, or — when it started and
    /// waited for processes of its own — the largest single process among them (the kernel folds
    /// reaped descendants' peaks in). The tree's sum is ``peakTreeRssBytes``.
    public var peakRssBytes = 0
    /// The highest VmRSS the parent's sampler saw.
    public var peakRssSampledBytes = 0
    /// The last VmHWM the parent read (the kernel's high-water mark while it was alive).
    public var peakHwmBytes = 0
    public var userCpuS = 0.0
    public var systemCpuS = 0.0
    /// When and at what RSS the harness killed it (cap, timeout, interrupt, crash test).
    public var killedAtS: Double?
    public var rssAtKillBytes: Int?
    /// /proc readings taken.
    public var parentSamples = 0
    /// Killed before its result: the maxima of the samples it streamed, and its last progress.
    public var streamedPeaks: AllocatorCounters?
    public var streamedItems: Int?
    public var streamedBytes: Int?
    /// When the child started processes of its own (``ProcessTree``): the highest total RSS of
    /// the child and its descendants in one sample, the largest single process, and the most
    /// processes alive at once. Nil for a child that started none.
    public var peakTreeRssBytes: Int?
    public var peakLargestProcessRssBytes: Int?
    public var maxProcesses: Int?
    /// The child's RSS when its hello arrived (started, runtime loaded, before any work): the
    /// idle floor a strategy's peak is measured above.
    public var rssAtHelloBytes: Int?
    /// From `wait4`'s rusage (the child and the descendants it waited for): context switches it
    /// asked for (blocking: waits, I/O) and the scheduler forced on it, page faults served without
    /// and with I/O.
    public var voluntaryContextSwitches: Int?
    public var involuntaryContextSwitches: Int?
    public var minorFaults: Int?
    public var majorFaults: Int?
    /// The child's `/proc/PID/io`, read with each tree walk (≤ 50 ms before it exited).
    public var io: ProcIO?
    /// The most threads the child had at once.
    public var peakThreads: Int?
    /// Processes outside the child's tree that still held its output or result pipe after it ended (e.g.
    /// the Swift runtime's crash backtracer, re-parented to init) and were killed.
    public var pipeHoldersKilled: Int?
    /// CPU the harness itself spent while this child ran (sampling, supervision, reading its
    /// result and log), seconds: what measuring cost the machine the child shares.
    public var harnessCpuS: Double?
    /// The heap profile the child dumped at its peak (`--attribute`).
    public var heapProfile: String?
    /// Figures the harness adds about the row (e.g. the crash test's kills).
    public var harnessMetrics: [String: Double] = [:]

    public init() {}
}
