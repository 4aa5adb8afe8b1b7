import NIOCore
import NIOPosix

/// The event loops a Swift scenario runs its channels on: NIO's singleton group, whose size the
/// harness fixes to the children's pinned CPU count (`NIO_SINGLETON_GROUP_LOOP_COUNT`, set by
/// `bpbench` from `--cpus`; BenchCore's `ChildCPUs`).
///
/// Why a scenario must take its loops from here and never make a group of `System.coreCount`:
/// NIO's core count reads cgroups and `sysconf`, not the affinity mask, so a child pinned to 2 CPUs
/// of an 8-core runner would start 8 loops — a thread (stack, per-loop buffers, jemalloc thread
/// cache) per host core, and heap peaks that follow the machine instead of the code (issue 25).
public enum EventLoops {
    /// The shared group: one loop per pinned CPU under the harness (NIO's default, one per core,
    /// when a scenario runs on its own).
    public static var group: MultiThreadedEventLoopGroup { .singleton }

    /// How many loops ``group`` has.
    public static var count: Int { NIOSingletons.groupLoopCountSuggestion }

    /// Every loop of ``group``, in a fixed order: for a scenario that places its channels on
    /// chosen loops rather than round-robin.
    public static var loops: [EventLoop] { Array(group.makeIterator()) }
}
