import ScenarioKit

/// The parameters every byte-stream scenario shares (file → TCP sink), and their values.
///
/// Defaults follow the Node.js seeds: 16 KiB chunks (Node's default highWaterMark for byte
/// streams), a 16 KiB high-water mark, and a consumer much slower than the producer (the
/// producer reads from the page cache at GB/s; the consumer is throttled to `consumer_rate`).
///
/// The reader's pace is either absolute (`consumer_rate`) or relative (`consumer_share` of the
/// producer's rate, calibrated in the child before the run). An absolute rate keeps the quick
/// and standard profiles' figures comparable with their committed baselines but makes the
/// producer/consumer ratio a property of the machine; the share fixes the ratio itself, which
/// is what a scenario that must end at the memory cap (stress) depends on.
public struct StreamSettings: Sendable {
    public var items: Int
    public var itemBytes: Int
    /// The `consumer_rate` parameter: bytes per second the reader consumes when no share is set;
    /// 0 = as fast as it can. Pace the reader with ``readerRate``, which honours the share.
    public var consumerRate: Int
    /// The `consumer_share` parameter: > 0 paces the reader at this fraction of
    /// ``calibratedProducerRate`` and overrides `consumer_rate`; 0 = off.
    public var consumerShare: Double
    /// The producer's rate as ``ProducerCalibration`` measured it in this child's `prepare`; nil
    /// when no calibration ran (`consumer_share` 0, or before `FileToSocket.prepare`).
    public var calibratedProducerRate: Int?
    /// Bytes per second the producer may read; 0 = as fast as it can.
    public var producerRate: Int
    /// The writer's high-water mark in bytes (NIO's `WriteBufferWaterMark.high`; low = half).
    public var highWaterMark: Int
    /// SO_SNDBUF / SO_RCVBUF of the loopback connection; 0 = the kernel's autotuning.
    public var socketBuffer: Int

    public var totalBytes: Int { items * itemBytes }

    /// Bytes per second the reader at the far end is paced to (0 = as fast as it can):
    /// `consumer_share × calibrated producer rate` when the share is set (at least 1 B/s, so a
    /// tiny share never turns into "unthrottled"), else `consumer_rate`.
    public var readerRate: Int {
        guard consumerShare > 0 else { return consumerRate }
        guard let calibratedProducerRate else {
            preconditionFailure(
                "consumer_share > 0 needs the producer's calibration: call FileToSocket.prepare before the run")
        }
        return max(1, Int((consumerShare * Double(calibratedProducerRate)).rounded()))
    }

    public init(_ context: ScenarioContext) {
        items = context[Self.items]
        itemBytes = context[Self.itemBytes]
        consumerRate = context[Self.consumerRate]
        consumerShare = context[Self.consumerShare]
        calibratedProducerRate = context.metric(ProducerCalibration.calibrated).map { Int($0) }
        producerRate = context[Self.producerRate]
        highWaterMark = context[Self.highWaterMark]
        socketBuffer = context[Self.socketBuffer]
    }

    public static let items = Param<Int>.items(default: "3000", quick: "1600", stress: "200000")
    public static let itemBytes = Param<Int>.itemBytes()
    public static let consumerRate = Param<Int>.byteRate(
        "consumer_rate", default: "64MiB/s", profiles: ["stress": "256MiB/s"], min: 0,
        help: "how fast the reader at the far end consumes (0 = unthrottled); ignored while consumer_share > 0")
    /// Stress sets it: at 0.125 of the calibrated rate ignored-drain buffered ≈ 3/4 of its 3.1 GiB
    /// input here (its real producer, paying for the socket and fresh heap, ran at ~0.5 of the
    /// calibration) — past the 2 GiB cap on any machine, where 256 MiB/s let a machine with a
    /// slow producer end `ok`.
    /// Quick and standard keep 0 (the absolute 64 MiB/s reader their baselines were recorded with).
    public static let consumerShare = Param<Double>.number(
        "consumer_share", default: "0", profiles: ["stress": "0.125"], min: 0, max: 1,
        help:
            "pace the reader at this share of the producer's rate, calibrated in the child before the run (0 = off, use consumer_rate; > 0 overrides consumer_rate)"
    )
    public static let producerRate = Param<Int>.byteRate(
        "producer_rate", default: "0", min: 0, help: "cap on how fast the producer reads its input (0 = unthrottled)")
    public static let highWaterMark = Param<Int>.bytes(
        "high_water_mark", default: "16KiB", min: 1,
        help: "writer buffer level at which write() reports full (low mark = half)")
    public static let socketBuffer = Param<Int>.bytes(
        "socket_buffer", default: "256KiB", min: 0,
        help: "SO_SNDBUF/SO_RCVBUF of the loopback connection (0 = kernel autotuning, which hides MiBs in the kernel)")

    /// The shared parameters; a scenario appends its own after these.
    public static let parameters: [any ParameterDeclaration] = [
        items, itemBytes, consumerRate, consumerShare, producerRate, highWaterMark, socketBuffer,
    ]

    /// The gauges every stream scenario reports (``FileToSocket``, ``LoopbackSink``, ``SocketMemoryProbe``).
    public static let gauges: [GaugeName] = [FileToSocket.inFlight, SocketMemoryProbe.gauge]
    /// The metrics every stream scenario reports.
    public static let metrics: [MetricName] = [
        FileToSocket.producerDone, FileToSocket.sourceItems,
        ProducerCalibration.calibrated, ProducerCalibration.effective,
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
