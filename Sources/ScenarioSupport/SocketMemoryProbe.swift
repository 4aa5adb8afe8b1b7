import NIOCore
import ScenarioKit

#if canImport(Glibc)
import Glibc
#endif

/// Samples the kernel memory a loopback connection holds — the writer's queued send buffer plus
/// the reader's receive queue — into the `socket_kernel_bytes` gauge.
///
/// Why: a slow reader parks most of a bounded stream's in-flight data in these two kernel
/// buffers, so they are *what holds the memory* of a strategy that honours backpressure, yet no
/// process figure shows them (not RSS, not jemalloc's heap). `in_flight_bytes` counts them too,
/// but mixed with whatever the writer's own path overshoots (pipeline-copy's async writer lets
/// up to ~0.7 MiB through before it learns the channel is unwritable, differently in every run);
/// this gauge isolates the kernel's share, which is set by `socket_buffer`.
///
/// It reads `getsockopt(SO_MEMINFO)` (Linux ≥ 4.6) on both sockets every `interval` on the
/// reader's event loop: `SK_MEMINFO_WMEM_QUEUED` of the writer + `SK_MEMINFO_RMEM_ALLOC` of the
/// reader, in the kernel's own accounting (payload plus per-buffer overhead) — which can differ
/// between kernels, so the gate judges it against the base revision in the same job only.
public final class SocketMemoryProbe: Sendable {
    /// Gauge name.
    public static let gauge = GaugeName("socket_kernel_bytes")

    private let task: RepeatedTask

    private init(task: RepeatedTask) { self.task = task }

    /// Starts sampling; returns nil where SO_MEMINFO is unavailable (not Linux, or a channel
    /// without socket options), so the gauge is then simply absent rather than wrong.
    public static func start(
        writer: Channel, reader: Channel, context: ScenarioContext,
        interval: TimeAmount = .milliseconds(1)
    ) -> SocketMemoryProbe? {
        #if os(Linux)
        guard let writerSocket = writer as? SocketOptionProvider, let readerSocket = reader as? SocketOptionProvider
        else { return nil }
        let gauge = context[Self.gauge]
        let loop = reader.eventLoop
        let task = loop.scheduleRepeatedAsyncTask(initialDelay: interval, delay: interval) { _ in
            let queued = memInfo(writerSocket).map { $0.wmemQueued }
            let received = memInfo(readerSocket).map { $0.rmemAlloc }
            return queued.and(received).map { gauge.set(Int($0) + Int($1)) }
                .recover { _ in }  // a socket closed between ticks: nothing to sample
        }
        return SocketMemoryProbe(task: task)
        #else
        return nil
        #endif
    }

    /// Stops sampling (the gauge keeps its maximum).
    public func stop() { task.cancel() }

    /// The two `sk_meminfo` slots this probe reads.
    struct MemInfo: Sendable {
        // Layout of `u32 mem[SK_MEMINFO_VARS]` (linux/sock_diag.h): RMEM_ALLOC, RCVBUF,
        // WMEM_ALLOC, SNDBUF, FWD_ALLOC, WMEM_QUEUED, OPTMEM, BACKLOG, DROPS.
        var slots: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0
        )
        var rmemAlloc: UInt32 { slots.0 }
        var wmemQueued: UInt32 { slots.5 }
    }

    #if os(Linux)
    private static func memInfo(_ socket: SocketOptionProvider) -> EventLoopFuture<MemInfo> {
        socket.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_MEMINFO))
    }
    #endif
}
