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

    public init(_ parameters: Parameters) {
        items = parameters.count("items")
        itemBytes = parameters.bytes("item_bytes")
        consumerRate = parameters.rate("consumer_rate")
        producerRate = parameters.rate("producer_rate")
        highWaterMark = parameters.bytes("high_water_mark")
        socketBuffer = parameters.bytes("socket_buffer")
    }

    /// The shared specs; a scenario appends its own after these.
    public static let parameters: [ParameterSpec] = [
        .items(default: "10000", quick: "1600", stress: "200000"),
        .itemBytes(),
        ParameterSpec("consumer_rate", .byteRate, default: "64MiB/s", profiles: ["stress": "256MiB/s"], min: 0,
                      help: "how fast the reader at the far end consumes (0 = unthrottled)"),
        ParameterSpec("producer_rate", .byteRate, default: "0", min: 0, help: "cap on how fast the producer reads its input (0 = unthrottled)"),
        ParameterSpec("high_water_mark", .bytes, default: "16KiB", min: 1, help: "writer buffer level at which write() reports full (low mark = half)"),
        ParameterSpec("socket_buffer", .bytes, default: "256KiB", min: 0,
                      help: "SO_SNDBUF/SO_RCVBUF of the loopback connection (0 = kernel autotuning, which hides MiBs in the kernel)"),
    ]
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
