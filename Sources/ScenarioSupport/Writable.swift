import NIOCore
import ScenarioKit
import Synchronization

/// Node's `stream.Writable` contract over a NIO channel, written the way a SwiftNIO engineer
/// writes a drain loop: ``write(_:)`` hands the chunk to the channel with no promise (from another
/// thread through an outbox that one loop task per batch empties) and says whether the channel
/// can take more; ``drain()`` suspends until `channelWritabilityChanged` says it can.
///
/// The high/low mark is the channel's own `WriteBufferWaterMark` (NIO turns `isWritable` false
/// once its pending writes reach the high mark and true again below the low mark), so `false`
/// means what Node's does: the bytes are queued in user space because the kernel would not take
/// them. The data path pays no promise and no event-loop hop per chunk; an earlier version
/// counted a chunk as buffered until its write promise completed, so with a 16 KiB mark `write`
/// said false after *every* 16 KiB chunk and each chunk paid a promise, a `writeAndFlush` hop and
/// a `drain()` hop: manual-drain ran at 0.23× pipeline-copy for a reason that belonged to the
/// harness, not to the strategy (issue 23).
///
/// Like Node, `write` never refuses a chunk: ignoring its `false` keeps queueing in user space
/// (NIO's pending writes), which is exactly the bug the `ignored-drain` scenario measures.
public final class Writable: Sendable {
    private let channel: Channel
    private let highWaterMark: Int
    private let accounting: WriteAccounting

    /// Bytes handed to `write` and not yet to the kernel (Node's `writableLength`): the chunks on
    /// their way to the event loop plus NIO's pending writes.
    public static let buffered = GaugeName("buffered_bytes")

    /// How many high-water marks of chunks may wait in the outbox for the event loop (a chunk
    /// there is invisible to NIO's writability): a safety net for a starved loop, not the
    /// backpressure, which is `isWritable`. The loop sends slower than the producer reads and
    /// hashes, so the outbox overshoots NIO's mark between writability updates — as NIO's own
    /// async writer does for pipeline-copy, whose heap overshoots the same way; a tighter cap makes
    /// this strategy stricter than its reference and pays a drain hop at every hit. Measured
    /// (manual-drain/unthrottled ÷ pipeline-copy/unthrottled; paced buffered_bytes): 16 marks
    /// 0.81× (0.76–0.90) at ×4 with 1,156 waits, 256–272 KiB; 64 marks 1.00× (0.94–1.06), 0.97×
    /// in make bench, 165–737 KiB.
    public static let transitMarks = 64

    /// Wraps a connected channel (whose `WriteBufferWaterMark` is the high/low mark).
    /// `highWaterMark` × ``transitMarks`` bounds the bytes in transit to the event loop.
    public init(channel: Channel, highWaterMark: Int, context: ScenarioContext) async throws {
        self.channel = channel
        self.highWaterMark = highWaterMark
        let accounting = WriteAccounting(gauge: context[Self.buffered])
        self.accounting = accounting
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(accounting)
        }.get()
    }

    /// Queues `chunk` for the socket. Returns false when the channel is not writable (its pending
    /// writes reached the high-water mark) or ``transitMarks`` marks of chunks are still on their
    /// way to the event loop: the caller should then `await drain()`.
    @discardableResult
    public func write(_ chunk: ByteBuffer) -> Bool {
        let inTransit = accounting.submit(chunk, to: channel)
        return inTransit < Self.transitMarks * highWaterMark && channel.isWritable
    }

    /// Suspends until every earlier write has reached NIO and the channel is writable again
    /// (below the low mark), or closed.
    public func drain() async throws {
        try await accounting.waitUntilWritable(channel: channel)
    }

    /// Waits until every queued byte has been handed to the kernel.
    public func flushed() async throws {
        while try await accounting.pendingBytes(channel: channel) > 0 {
            try await drain()
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// The buffered bytes as last accounted (the gauge's level).
    public var buffered: Int { accounting.gauge.current }
}

/// The outbound end of the pipeline (the first handler a `channel.write` meets): counts the
/// bytes that reached the event loop and reads NIO's own pending-write count after each flush
/// and writability change, so the `buffered_bytes` gauge follows the bytes not yet in the kernel
/// without a promise per chunk. Between those events the kernel may take pending bytes unseen;
/// the gauge then reads high until the next flush — never low, so its maximum is not understated.
/// Also resumes drain waiters when NIO reports the channel writable again; waiters are checked on
/// the event loop, after every earlier write has reached NIO, so writability is never stale.
final class WriteAccounting: ChannelDuplexHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundIn = ByteBuffer

    let gauge: Gauge
    /// Bytes handed to `write` that the event loop has not seen yet.
    private let inTransit = Atomic<Int>(0)
    /// Chunks written from another thread, waiting for the one loop task that hands them to NIO.
    private let outbox = Mutex(Outbox())

    private struct Outbox {
        var chunks: [ByteBuffer] = []
        var scheduled = false
    }
    /// Event-loop state: bytes that passed this handler, and how many of them are known to have
    /// left NIO's buffer for the kernel.
    private let loop = Mutex(LoopState())
    private let waiters = Mutex<[CheckedContinuation<Void, Error>]>([])

    private struct LoopState {
        var passed = 0
        var left = 0
    }

    init(gauge: Gauge) { self.gauge = gauge }

    /// Hands `chunk` to the channel — `writeAndFlush` on the loop's thread; from another thread,
    /// into the outbox, with one loop task per batch rather than per chunk (as NIO's own async
    /// writer does: a task and a wake-up per 16 KiB chunk cost manual-drain 0.83× the pipeline's
    /// throughput at ×1). Returns the bytes now in transit, this chunk included.
    func submit(_ chunk: ByteBuffer, to channel: Channel) -> Int {
        let bytes = chunk.readableBytes
        gauge.add(bytes)
        let inTransit = inTransit.wrappingAdd(bytes, ordering: .relaxed).newValue
        if channel.eventLoop.inEventLoop {
            channel.writeAndFlush(chunk, promise: nil)
            return inTransit
        }
        let schedule = outbox.withLock { outbox in
            outbox.chunks.append(chunk)
            defer { outbox.scheduled = true }
            return !outbox.scheduled
        }
        if schedule { channel.eventLoop.execute { [self] in deliver(to: channel) } }
        return inTransit
    }

    /// On the event loop: every chunk in the outbox to NIO, in order, then one flush.
    private func deliver(to channel: Channel) {
        let chunks = outbox.withLock { outbox in
            defer {
                outbox.chunks.removeAll(keepingCapacity: true)
                outbox.scheduled = false
            }
            return outbox.chunks
        }
        for chunk in chunks { channel.write(chunk, promise: nil) }
        channel.flush()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data).readableBytes
        inTransit.wrappingSubtract(bytes, ordering: .relaxed)
        loop.withLock { $0.passed += bytes }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
        account(context.channel)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        account(context.channel)
        if context.channel.isWritable { resumeAll() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumeAll()
        context.fireChannelInactive()
    }

    /// On the event loop: what left NIO's buffer since the last look comes off the gauge.
    private func account(_ channel: Channel) {
        guard let pending = try? channel.syncOptions?.getOption(.bufferedWritableBytes) else { return }
        let gone = loop.withLock { state in
            let left = state.passed - pending
            defer { state.left = max(state.left, left) }
            return max(0, left - state.left)
        }
        if gone > 0 { gauge.add(-gone) }
    }

    /// Bytes still on their way to the kernel: in transit plus NIO's pending writes (read on the loop).
    func pendingBytes(channel: Channel) async throws -> Int {
        try await channel.eventLoop.submit { [self] in
            account(channel)
            let pending = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
            return pending + inTransit.load(ordering: .relaxed)
        }.get()
    }

    func waitUntilWritable(channel: Channel) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            channel.eventLoop.execute { [self] in
                if channel.isWritable || !channel.isActive {
                    continuation.resume()
                } else {
                    waiters.withLock { $0.append(continuation) }
                }
            }
        }
    }

    private func resumeAll() {
        let ready = waiters.withLock { waiters in
            defer { waiters.removeAll() }
            return waiters
        }
        for continuation in ready { continuation.resume() }
    }
}
