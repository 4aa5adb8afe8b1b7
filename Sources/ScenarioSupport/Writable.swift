import NIOCore
import ScenarioKit
import Synchronization

/// Node's `stream.Writable` contract over a NIO channel: ``write(_:)`` queues a chunk and says
/// whether the buffer is still below the high-water mark; ``drain()`` suspends until it has
/// emptied below the low mark (NIO's `channelWritabilityChanged`, which *is* Node's `'drain'`).
///
/// Like Node, `write` never refuses a chunk: ignoring its `false` keeps queueing in user space
/// (NIO's pending writes), which is exactly the bug the `ignored-drain` scenario measures.
public final class Writable: Sendable {
    private let channel: Channel
    private let highWaterMark: Int
    private let drainHandler: DrainHandler
    private let bufferedBytes = Atomic<Int>(0)
    private let bufferedGauge: Gauge

    /// Bytes handed to `write` and not yet to the kernel (Node's `writableLength`).
    public static let buffered = GaugeName("buffered_bytes")

    /// Wraps a connected channel (whose `WriteBufferWaterMark` is the high/low mark).
    public init(channel: Channel, highWaterMark: Int, context: ScenarioContext) async throws {
        self.channel = channel
        self.highWaterMark = highWaterMark
        bufferedGauge = context[Self.buffered]
        let handler = DrainHandler()
        drainHandler = handler
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(handler)
        }.get()
    }

    /// Queues `chunk` for the socket. Returns false once the bytes queued but not yet handed to
    /// the kernel reach the high-water mark: the caller should then `await drain()`.
    @discardableResult
    public func write(_ chunk: ByteBuffer) -> Bool {
        let size = chunk.readableBytes
        let buffered = bufferedBytes.wrappingAdd(size, ordering: .relaxed).newValue
        bufferedGauge.add(size)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { [self] _ in
            bufferedBytes.wrappingSubtract(size, ordering: .relaxed)
            bufferedGauge.add(-size)
        }
        channel.writeAndFlush(chunk, promise: promise)
        return buffered < highWaterMark
    }

    /// Suspends until the channel is writable again (below the low mark).
    public func drain() async throws {
        try await drainHandler.waitUntilWritable(channel: channel)
    }

    /// Waits until every queued byte has been handed to the kernel.
    public func flushed() async throws {
        while bufferedBytes.load(ordering: .relaxed) > 0 {
            try await drain()
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    public var buffered: Int { bufferedBytes.load(ordering: .relaxed) }
}

/// Resumes drain waiters when NIO reports the channel writable again. Waiters are checked on the
/// event loop, after every earlier write has reached NIO, so writability is never stale.
final class DrainHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    private let waiters = Mutex<[CheckedContinuation<Void, Error>]>([])

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

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resumeAll() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        resumeAll()
        context.fireChannelInactive()
    }

    private func resumeAll() {
        let ready = waiters.withLock { waiters in
            defer { waiters.removeAll() }
            return waiters
        }
        for continuation in ready { continuation.resume() }
    }
}
