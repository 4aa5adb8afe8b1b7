import ScenarioKit
import ScenarioSupport
import _NIOFileSystem

/// `sink=memory`: the producer yields every file chunk into an `AsyncStream` with the default
/// `.unbounded` buffering policy; `yield` never suspends, so a consumer paced at the reader's rate
/// (`consumer_rate`, or `consumer_share` of the calibrated producer — calibrated on the socket
/// producer's hash + stamp, which this producer, stamping only, outruns) leaves the whole stream
/// buffered in the continuation.
enum UnboundedStream {
    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let settings = StreamSettings(context)
        let path = try InputFile.ensure(
            items: settings.items, itemBytes: settings.itemBytes, in: context.cacheDirectory)
        let buffered = context[Writable.buffered]
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let started = MonotonicClock.nanoseconds()

        async let produced: Void = FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            defer { continuation.finish() }
            var pacer = RatePacer(bytesPerSecond: settings.producerRate)
            for try await chunk in handle.readChunks(
                in: 0..<Int64(settings.totalBytes), chunkLength: .bytes(Int64(settings.itemBytes)))
            {
                var bytes = Array(chunk.readableBytesView)
                bytes.withUnsafeMutableBytes { ItemCodec.stamp($0) }
                buffered.add(bytes.count)
                continuation.yield(bytes)  // never waits: .unbounded is AsyncStream's default
                try await pacer.pace(after: bytes.count)
            }
            context.set(FileToSocket.producerDone, Double(MonotonicClock.nanoseconds() - started) / 1e9)
        }

        var verifier = StreamVerifier(itemBytes: settings.itemBytes, ordered: true, latency: context.latency)
        defer { verifier.release() }
        var pacer = RatePacer(bytesPerSecond: settings.readerRate)
        for await bytes in stream {
            let items = bytes.withUnsafeBytes { verifier.consume($0) }
            buffered.add(-bytes.count)
            context.addProgress(items: items, bytes: items * settings.itemBytes)
            try await pacer.pace(after: bytes.count)
        }
        try await produced
        return verifier.report(expectedItems: settings.items)
    }
}
