import NIOCore
import ScenarioKit
import _NIOFileSystem

/// Measures the stream producer's own rate in the child, before the timed run, so that
/// `consumer_share` can pace the reader at a fraction of it.
///
/// The stream scenarios are about a producer faster than its consumer, and how much faster
/// decides what a strategy holds: ignored-drain buffers `1 − consumer/producer` of its input.
/// A reader fixed in MiB/s leaves that ratio to the machine (a producer only 1.6× the stress
/// profile's 256 MiB/s reader ended `ok` at 1.5 GiB instead of at the 2 GiB cap); a share of
/// the producer's measured rate fixes the ratio on every machine.
///
/// What is timed is the producer's own work — the cached input read with the same
/// `readChunks` and chunk length, each chunk hashed into a digest and stamped by
/// ``TransformedChunks/transform(_:into:)`` — not the socket behind it, which the strategies
/// under test differ in. It runs in `prepare`, so it never counts in the run's duration.
public enum ProducerCalibration {
    /// The producer's calibrated rate, bytes/s (capped at `producer_rate` when one is set:
    /// a producer paced to it can go no faster). Reported only when `consumer_share` > 0.
    public static let calibrated = MetricName("producer_calibrated_bytes_per_s")
    /// The rate the reader was paced to, bytes/s (``StreamSettings/readerRate``): the share of
    /// the calibrated rate, or `consumer_rate` with no share (0 = unthrottled). Always reported.
    public static let effective = MetricName("consumer_effective_bytes_per_s")

    /// At most this much input is read: past read-ahead's start-up and the clock's resolution,
    /// and a small part of a stress input, so the calibration costs a fraction of the run.
    static let byteBudget = 64 << 20
    /// …or for at most this long, whichever ends first (a slow debug build, a cold disk).
    static let timeBudgetNanoseconds: UInt64 = 250_000_000

    /// Calibrates when `consumer_share` > 0 (no cost otherwise) and records both metrics in
    /// `context`, where the run's ``StreamSettings`` finds the calibrated rate.
    static func settle(_ context: ScenarioContext, settings: StreamSettings, input path: String) async throws {
        if settings.consumerShare > 0 {
            let measurement = try await measure(input: path, settings: settings)
            context.set(calibrated, Double(measurement.rate))
            // The digest goes into the log line so nothing lets the optimizer drop the hashing.
            context.log(
                "calibration: producer \(measurement.rate) B/s over \(measurement.bytes) B in \(measurement.seconds) s (digest \(measurement.digest))"
            )
        }
        // Read back through StreamSettings, so the figure reported is the rate the run will use.
        context.set(effective, Double(StreamSettings(context).readerRate))
    }

    /// Bytes per second of the producer's read + transform over the first whole items of `path`.
    static func measure(
        input path: String, settings: StreamSettings
    ) async throws -> (rate: Int, bytes: Int, seconds: Double, digest: String) {
        let budget = max(1, min(settings.totalBytes, byteBudget) / settings.itemBytes) * settings.itemBytes
        let digest = SourceDigest()
        var bytes = 0
        let started = MonotonicClock.nanoseconds()
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            for try await chunk in handle.readChunks(
                in: 0..<Int64(budget), chunkLength: .bytes(Int64(settings.itemBytes)))
            {
                var chunk = chunk
                TransformedChunks.transform(&chunk, into: digest)
                bytes += chunk.readableBytes
                if MonotonicClock.nanoseconds() - started >= timeBudgetNanoseconds { break }
            }
        }
        let seconds = Double(max(1, MonotonicClock.nanoseconds() - started)) / 1e9
        let measured = max(1, Int((Double(bytes) / seconds).rounded()))
        return (
            settings.producerRate > 0 ? min(measured, settings.producerRate) : measured, bytes, seconds,
            digest.checksum.hex
        )
    }
}
