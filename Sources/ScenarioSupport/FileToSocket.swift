import NIOCore
import NIOPosix
import ScenarioKit
import Synchronization
import _NIOFileSystem

/// The shared skeleton of the byte-stream scenarios: a real file on disk → per-chunk transform →
/// a loopback TCP connection to a rate-limited, verifying reader. Scenarios differ only in the
/// `produce` step, i.e. in how (or whether) they honour the sink's backpressure.
public enum FileToSocket {
    /// Bytes that left the producer and have not reached the reader yet: whatever the strategy
    /// holds anywhere between them (its own buffer, NIO's pending writes, both socket buffers).
    /// Unlike heap figures it is exact and machine-independent for a bounded strategy, so the
    /// gate can see a doubled buffer that is small next to the runtime's heap.
    public static let inFlight = GaugeName("in_flight_bytes")
    /// When the producer had read its last chunk, seconds after the transfer began.
    public static let producerDone = MetricName("producer_done_s")
    /// Items the producer read from disk (the source digest's count).
    public static let sourceItems = MetricName("source_items")

    /// The producer's side of one run: the connected channel and the chunks to send.
    public struct Producer: Sendable {
        public let channel: Channel
        public let chunks: TransformedChunks
        public let settings: StreamSettings
        public let context: ScenarioContext
        let sink: LoopbackSink

        /// Waits until the reader has received (and verified) everything: for producers that must
        /// not close the connection while bytes are still queued.
        public func finished() async throws -> VerificationReport { try await sink.verification() }
    }

    /// Generates (or reuses) the input file outside the timed run and settles the reader's pace:
    /// with `consumer_share` > 0 it calibrates the producer first (``ProducerCalibration``), so
    /// the run's ``StreamSettings/readerRate`` is that share of it. Every stream scenario's
    /// `prepare` must call this before its `run` builds ``StreamSettings``.
    public static func prepare(_ context: ScenarioContext) async throws {
        let settings = StreamSettings(context)
        let path = try InputFile.ensure(
            items: settings.items, itemBytes: settings.itemBytes, in: context.cacheDirectory)
        _ = ItemCodec.expectedChecksum(items: settings.items, itemBytes: settings.itemBytes, ordered: true)
        try await ProducerCalibration.settle(context, settings: settings, input: path)
    }

    /// Runs one transfer: starts the sink, connects, lets `produce` send every chunk, then waits
    /// for the sink's verification. The transform records `producer_done_s` (when the producer had
    /// read its last chunk), the figure that shows who waited for whom.
    public static func run(
        _ context: ScenarioContext, produce: (Producer) async throws -> Void
    ) async throws -> VerificationReport {
        let settings = StreamSettings(context)
        let path = try InputFile.ensure(
            items: settings.items, itemBytes: settings.itemBytes, in: context.cacheDirectory)
        // The reader and the writer on two different event loops, always: left to round-robin,
        // where each lands depends on how many `next()` calls came before, and the unthrottled
        // rows' throughput was bimodal (≈ 600 and ≈ 780 MiB/s at ×1 here, 7 repeats); pinned,
        // 588–705 MiB/s, and a ratio between two rows has half the interval.
        // (One loop when the children are pinned to one CPU: both ends share it.)
        let loops = EventLoops.loops
        let sink = try await LoopbackSink.start(on: loops[0], settings: settings, context: context)
        let channel = try await sink.connect(on: loops[loops.count > 1 ? 1 : 0], settings: settings)
        let probe = SocketMemoryProbe.start(writer: channel, reader: try await sink.readerChannel(), context: context)
        defer { probe?.stop() }
        let started = MonotonicClock.nanoseconds()
        let digest = SourceDigest()
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let chunks = handle.readChunks(
                in: 0..<Int64(settings.totalBytes), chunkLength: .bytes(Int64(settings.itemBytes)))
            let transformed = TransformedChunks(
                base: chunks, producerRate: settings.producerRate, digest: digest, context: context,
                startNanoseconds: started)
            try await produce(
                Producer(channel: channel, chunks: transformed, settings: settings, context: context, sink: sink))
        }
        var report = try await sink.verification()
        try? await channel.close()
        // What left the disk must be what arrived: a second, independent check of the transfer.
        let sent = digest.checksum
        context.set(Self.sourceItems, Double(sent.count))
        if sent.hex != report.receivedChecksum || sent.count != report.receivedItems {
            report.problems.append(
                "the sink's checksum \(report.receivedChecksum) differs from the source's \(sent.hex)")
        }
        return report
    }
}

/// The transform stage: each chunk read from the file is hashed into the source's digest (real
/// per-chunk work, like the seeds' gzip stage, and a second check on the transfer) and stamped
/// with the time it leaves the producer, so the consumer can measure its latency through the
/// buffers. Paced to `producer_rate` when one is set.
public struct TransformedChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let base: FileChunks
    let producerRate: Int
    let digest: SourceDigest
    let context: ScenarioContext
    let startNanoseconds: UInt64

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: FileChunks.AsyncIterator
        var pacer: RatePacer
        let digest: SourceDigest
        let context: ScenarioContext
        let startNanoseconds: UInt64
        let inFlight: Gauge

        public mutating func next() async throws -> ByteBuffer? {
            guard var chunk = try await base.next() else {
                context.set(FileToSocket.producerDone, Double(MonotonicClock.nanoseconds() - startNanoseconds) / 1e9)
                return nil
            }
            try await pacer.pace(after: chunk.readableBytes)
            TransformedChunks.transform(&chunk, into: digest)
            inFlight.add(chunk.readableBytes)
            return chunk
        }
    }

    /// The per-chunk work itself, apart from the sequence: ``ProducerCalibration`` times exactly
    /// this, so a calibrated rate is the rate of the work the producer really does.
    static func transform(_ chunk: inout ByteBuffer, into digest: SourceDigest) {
        digest.add(itemHash: chunk.withUnsafeReadableBytes { ItemCodec.hash($0) })
        chunk.withUnsafeMutableReadableBytes { ItemCodec.stamp($0) }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            base: base.makeAsyncIterator(), pacer: RatePacer(bytesPerSecond: producerRate), digest: digest,
            context: context,
            startNanoseconds: startNanoseconds, inFlight: context[FileToSocket.inFlight])
    }
}

/// The ordered checksum of every chunk the producer read, shared with the transform stage.
final class SourceDigest: Sendable {
    private let state = Mutex(Checksum(ordered: true))
    func add(itemHash: UInt64) { state.withLock { $0.add(itemHash: itemHash) } }
    var checksum: Checksum { state.withLock { $0 } }
}
