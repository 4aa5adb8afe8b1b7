import NIOCore
import NIOPosix
import ScenarioKit

/// A real TCP consumer on 127.0.0.1: it reads at a fixed byte rate (``StreamSettings/readerRate``), verifies every item
/// (sequence, checksum) and records each item's latency from its stamp.
///
/// It reads only when it wants more (`autoRead` off, one `read()` per due time), so a slow
/// consumer fills its socket's receive buffer, TCP's window closes, and the writer's socket stops
/// draining: the backpressure signal every scenario then either honours or ignores.
public final class LoopbackSink: Sendable {
    public let port: Int
    private let serverChannel: Channel
    private let finished: EventLoopFuture<VerificationReport>
    private let accepted: EventLoopFuture<Channel>

    private init(
        port: Int, serverChannel: Channel, finished: EventLoopFuture<VerificationReport>,
        accepted: EventLoopFuture<Channel>
    ) {
        self.port = port
        self.serverChannel = serverChannel
        self.finished = finished
        self.accepted = accepted
    }

    /// Starts listening; the sink accepts one connection and verifies `settings.items` items on it.
    public static func start(
        on group: EventLoopGroup, settings: StreamSettings, context: ScenarioContext
    ) async throws -> LoopbackSink {
        let promise = group.next().makePromise(of: VerificationReport.self)
        let accepted = group.next().makePromise(of: Channel.self)
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RateLimitedVerifyingReader(
                            settings: settings, context: context, done: promise, accepted: accepted))
                }
            }
        if settings.socketBuffer > 0 {
            bootstrap = bootstrap.childChannelOption(
                .socketOption(.so_rcvbuf), value: SocketOptionValue(settings.socketBuffer))
        }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        return LoopbackSink(
            port: channel.localAddress?.port ?? 0, serverChannel: channel, finished: promise.futureResult,
            accepted: accepted.futureResult)
    }

    /// Opens the producer's connection to the sink, with the writer's water marks and socket buffer.
    public func connect(on group: EventLoopGroup, settings: StreamSettings) async throws -> Channel {
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(
                .writeBufferWaterMark,
                value: .init(low: max(1, settings.highWaterMark / 2), high: settings.highWaterMark)
            )
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if settings.socketBuffer > 0 {
            bootstrap = bootstrap.channelOption(
                .socketOption(.so_sndbuf), value: SocketOptionValue(settings.socketBuffer))
        }
        return try await bootstrap.connect(host: "127.0.0.1", port: port).get()
    }

    /// The reader's end of the connection, once accepted (for probes of its socket).
    public func readerChannel() async throws -> Channel { try await accepted.get() }

    /// Waits until the reader has every expected byte (or the connection ended early) and
    /// returns its verification; then stops listening.
    public func verification() async throws -> VerificationReport {
        let report = try await finished.get()
        try? await serverChannel.close()
        return report
    }
}

/// The sink's per-connection handler: paced reads, framing, verification.
final class RateLimitedVerifyingReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let settings: StreamSettings
    private let context: ScenarioContext
    private let done: EventLoopPromise<VerificationReport>
    private let accepted: EventLoopPromise<Channel>
    private var verifier: StreamVerifier
    private var pacer: (start: NIODeadline, consumed: Int)?
    private var received = 0
    private var itemsSeen = 0
    private var completed = false
    private let inFlight: Gauge
    /// ``StreamSettings/readerRate``, read once: `consumer_rate` or the share of the calibrated producer.
    private let readerRate: Int

    init(
        settings: StreamSettings, context: ScenarioContext, done: EventLoopPromise<VerificationReport>,
        accepted: EventLoopPromise<Channel>
    ) {
        self.settings = settings
        self.context = context
        self.done = done
        self.accepted = accepted
        inFlight = context[FileToSocket.inFlight]
        readerRate = settings.readerRate
        verifier = StreamVerifier(itemBytes: settings.itemBytes, ordered: true, latency: context.latency)
    }

    deinit { verifier.release() }

    func channelActive(context: ChannelHandlerContext) {
        accepted.succeed(context.channel)
        pacer = (.now(), 0)
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let count = buffer.readableBytes
        let items = buffer.withUnsafeReadableBytes { verifier.consume($0) }
        received += count
        inFlight.add(-count)
        itemsSeen += items
        self.context.addProgress(items: items, bytes: items * settings.itemBytes)
        pacer?.consumed += count
        if received >= settings.totalBytes { complete(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !completed, let pacer else { return }
        guard readerRate > 0 else {
            context.read()
            return
        }
        // The next read is due when the bytes consumed so far, at the configured rate, are paid for.
        let due = pacer.start + .nanoseconds(Int64(Double(pacer.consumed) / Double(readerRate) * 1e9))
        if due <= .now() {
            context.read()
        } else {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(deadline: due) { loopBound.value.read() }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.context.log("sink: \(error)")
        complete(context: context)
        context.close(promise: nil)
    }

    private func complete(context: ChannelHandlerContext) {
        guard !completed else { return }
        completed = true
        done.succeed(verifier.report(expectedItems: settings.items))
    }
}
