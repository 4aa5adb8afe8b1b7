import ScenarioKit

/// The parameters every byte-stream scenario shares (file → TCP sink), and their values.
///
/// Defaults follow the Node.js seeds: 16 KiB chunks (Node's default highWaterMark for byte
/// streams), a 16 KiB high-water mark, and a consumer much slower than the producer (the
/// producer reads from the page cache at GB/s; the consumer is throttled to `consumer_rate`).
public struct StreamSettings: Sendable {
    public var items: Int
    public var itemBytes: Int
    /// Bytes per second the reader at the far end consumes; 0 = as fast as it can.
    public var consumerRate: Int
    /// Bytes per second the producer may read; 0 = as fast as it can.
    public var producerRate: Int
    /// The writer's high-water mark in bytes (NIO's `WriteBufferWaterMark.high`; low = half).
    public var highWaterMark: Int
    /// SO_SNDBUF / SO_RCVBUF of the loopback connection; 0 = the kernel's autotuning.
    public var socketBuffer: Int

    public var totalBytes: Int { items * itemBytes }

    public init(_ context: ScenarioContext) {
        items = context[Self.items]
        itemBytes = context[Self.itemBytes]
        consumerRate = context[Self.consumerRate]
        producerRate = context[Self.producerRate]
        highWaterMark = context[Self.highWaterMark]
        socketBuffer = context[Self.socketBuffer]
    }

    public static let items = Param<Int>.items(default: "3000", quick: "1600", stress: "200000")
    public static let itemBytes = Param<Int>.itemBytes()
    public static let consumerRate = Param<Int>.byteRate("consumer_rate", default: "64MiB/s", profiles: ["stress": "256MiB/s"], min: 0,
                                                         help: "how fast the reader at the far end consumes (0 = unthrottled)")
    public static let producerRate = Param<Int>.byteRate("producer_rate", default: "0", min: 0, help: "cap on how fast the producer reads its input (0 = unthrottled)")
    public static let highWaterMark = Param<Int>.bytes("high_water_mark", default: "16KiB", min: 1, help: "writer buffer level at which write() reports full (low mark = half)")
    public static let socketBuffer = Param<Int>.bytes("socket_buffer", default: "256KiB", min: 0,
                                                      help: "SO_SNDBUF/SO_RCVBUF of the loopback connection (0 = kernel autotuning, which hides MiBs in the kernel)")

    /// The shared parameters; a scenario appends its own after these.
    public static let parameters: [any ParameterDeclaration] = [items, itemBytes, consumerRate, producerRate, highWaterMark, socketBuffer]

    /// The gauges every stream scenario reports (``FileToSocket``, ``LoopbackSink``, ``SocketMemoryProbe``).
    public static let gauges: [GaugeName] = [FileToSocket.inFlight, SocketMemoryProbe.gauge]
    /// The metrics every stream scenario reports.
    public static let metrics: [MetricName] = [FileToSocket.producerDone, FileToSocket.sourceItems]
}

/// Paces a loop to a byte rate: call ``pace(after:)`` with the bytes just handled and it sleeps
/// just long enough to stay on schedule (no sleep when the rate is 0).
public struct RatePacer: Sendable {
    private let bytesPerSecond: Int
    private let startNanoseconds = MonotonicClock.nanoseconds()
    private var handled = 0

    public init(bytesPerSecond: Int) { self.bytesPerSecond = bytesPerSecond }

    public mutating func pace(after bytes: Int) async throws {
        guard bytesPerSecond > 0 else { return }
        handled += bytes
        let due = startNanoseconds + UInt64(Double(handled) / Double(bytesPerSecond) * 1e9)
        let now = MonotonicClock.nanoseconds()
        if due > now + 200_000 { try await Task.sleep(nanoseconds: due - now) }
    }
}
