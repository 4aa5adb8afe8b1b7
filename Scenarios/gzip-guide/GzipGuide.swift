import CZlib
import ScenarioKit
import ScenarioSupport

#if canImport(Glibc)
import Glibc
#endif

/// Node's guide "Backpressuring in Streams" gzips a large file with and without respecting
/// `write()`'s return value; this is its Swift twin. A reader task reads the cached item file in
/// `read_bytes` chunks and hands them to a compressor task (zlib, gzip format, the settings of
/// Node's `zlib.createGzip()`), which writes the compressed stream to a file:
/// - `respect_backpressure=true`: the hand-off is a one-slot `BoundedChannel`, so the reader waits
///   for the compressor — `readStream.pipe(gzip)`.
/// - `false`: the hand-off is an `AsyncStream` with `.unbounded` buffering, so the reader never
///   waits and the file piles up ahead of the compressor — the guide's patched `write()` that
///   always returns true.
/// The output file is then inflated and every item checked (count, order, checksum computed
/// from the pattern), so a run that lost or damaged data fails.
@main
struct GzipGuide: Scenario {
    static let items = Param<Int>.items(default: "2048", quick: "512", stress: "16384")
    static let itemBytes = Param<Int>.itemBytes()
    static let readBytes = Param<Int>.bytes(
        "read_bytes", default: "65536", min: 1,  // plain bytes: the gauge claims read it as a number
        help: "bytes per file read (Node's fs.createReadStream default, as in the guide)")
    static let gzipLevel = Param<Int>.count(
        "gzip_level", default: "6", min: 0, max: 9,
        help: "zlib level (6 = Z_DEFAULT_COMPRESSION, what zlib.createGzip() uses)")
    static let respect = Param<Bool>.flag(
        "respect_backpressure", default: "true",
        help:
            "true: the reader waits for the compressor (one-slot channel); false: every chunk queued for it (AsyncStream .unbounded)"
    )
    static let dropChunk = Param<Int>.count(
        "drop_chunk", default: "0", min: 0,
        help: "tests only: the N-th chunk (1-based) never reaches the compressor, so verification must fail (0 = off)")

    static let queued = GaugeName("queued_bytes")
    static let gzipSeconds = MetricName("gzip_s")
    static let verifySeconds = MetricName("verify_s")
    static let sourceBytes = MetricName("source_bytes")
    static let compressedBytes = MetricName("compressed_bytes")
    static let compressionRatio = MetricName("compression_ratio")

    static let definition = ScenarioDescription(
        name: "gzip-guide",
        summary:
            "The Node guide's gzip experiment in Swift: file → zlib → file, the reader waiting for the compressor or queueing everything ahead of it",
        seeds: ["001_fde9a5ee61eb77d8.txt", "002_af3d1f900fda35a4.txt"],
        parameters: [items, itemBytes, readBytes, gzipLevel, respect, dropChunk],
        scale: items,
        gauges: [queued],
        metrics: [gzipSeconds, verifySeconds, sourceBytes, compressedBytes, compressionRatio],
        claims: [
            SeedClaim(
                "read → gzip → write with the reader awaiting the compressor stays within bounded memory whatever the file size (the guide: 87.81 MB max RSS)",
                seed: "001_fde9a5ee61eb77d8.txt", check: .memoryBounded),
            // The slot's chunk, the parked reader's, and the one the compressor has received but
            // not yet taken off the gauge (measured: exactly 3 × 64 KiB in every run).
            SeedClaim(
                "the queue ahead of the compressor never holds more than three read chunks",
                seed: "001_fde9a5ee61eb77d8.txt",
                check: .gaugeAtMostSum(
                    gauge: "queued_bytes", parameters: ["read_bytes", "read_bytes", "read_bytes"], plus: 0)),
        ],
        variants: [
            ScenarioVariant(
                "ignore-backpressure",
                summary:
                    "respect_backpressure=false: every chunk queued for the compressor (AsyncStream .unbounded), the guide's 'without respecting the return value of .write()'",
                parameters: ["respect_backpressure": "false"],
                claims: [
                    SeedClaim(
                        "queueing every chunk ahead of gzip makes memory grow with the file (the guide: 1.52 GB max RSS)",
                        seed: "002_af3d1f900fda35a4.txt", check: .memoryGrows),
                    // 1.25, not 1: a 64 KiB array plus its 32-byte header falls in jemalloc's 80 KiB size class.
                    SeedClaim(
                        "what is held is ≈ the whole input, uncompressed (peak allocated ÷ input 0.8–1.3)",
                        seed: "002_af3d1f900fda35a4.txt", check: .peakAllocatedPerInputByte(min: 0.8, max: 1.3)),
                    SeedClaim(
                        "and it is not faster: throughput within a small factor of the bounded run's (the guide: 56.0 s vs 55.3 s)",
                        seed: "001_fde9a5ee61eb77d8.txt",
                        check: .throughputRatio(scenario: "gzip-guide", min: 0.67, max: 1.5)),
                ])
        ],
        pattern: "gzip-guide")

    static func prepare(_ context: ScenarioContext) async throws {
        _ = try InputFile.ensure(items: context[items], itemBytes: context[itemBytes], in: context.cacheDirectory)
        // Computed (and cached) here so the timed run does not pay for it.
        _ = ItemCodec.expectedChecksum(items: context[items], itemBytes: context[itemBytes], ordered: true)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let count = context[items]
        let size = context[itemBytes]
        let inputPath = try InputFile.ensure(items: count, itemBytes: size, in: context.cacheDirectory)
        let outputPath = context.workDirectory + "/items.bin.gz"
        let started = MonotonicClock.nanoseconds()
        let compressor = try GzipFile(path: outputPath, level: context[gzipLevel])
        let level = context[queued]
        let chunkBytes = context[readBytes]
        let drop = context[dropChunk]
        let read: Int
        if context[respect] {
            // One slot: `send` does not return until the compressor has taken the previous chunk.
            let channel = BoundedChannel<[UInt8]>(capacity: 1)
            async let reading = readChunks(inputPath, chunkBytes: chunkBytes, drop: drop) { chunk in
                level.add(chunk.count)
                _ = try await channel.send(chunk)
            } finish: {
                channel.finish()
            }
            while let chunk = try await channel.receive() {
                level.add(-chunk.count)
                try compressor.compress(chunk)
            }
            read = try await reading
        } else {
            // The bug the guide measures: the reader hands over every chunk and never waits.
            let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
            async let reading = readChunks(inputPath, chunkBytes: chunkBytes, drop: drop) { chunk in
                level.add(chunk.count)
                continuation.yield(chunk)
            } finish: {
                continuation.finish()
            }
            for await chunk in stream {
                level.add(-chunk.count)
                try compressor.compress(chunk)
            }
            read = try await reading
        }
        let compressed = try compressor.finish()
        let compressedAt = MonotonicClock.nanoseconds()
        // gzip_s is what the guide timed (the whole compression); verification comes after it.
        context.set(gzipSeconds, Double(compressedAt - started) / 1e9)
        context.set(sourceBytes, Double(read))
        context.set(compressedBytes, Double(compressed))
        context.set(compressionRatio, Double(compressed) / Double(count * size))
        let report = try verify(outputPath, items: count, itemBytes: size, context: context)
        context.set(verifySeconds, Double(MonotonicClock.nanoseconds() - compressedAt) / 1e9)
        unlink(outputPath)
        return report
    }

    /// Reads the file in `chunkBytes` chunks (fresh arrays, as a read stream allocates a Buffer
    /// per read) and hands each to `deliver`; returns the bytes read. `drop` > 0 skips that chunk.
    static func readChunks(
        _ path: String, chunkBytes: Int, drop: Int,
        deliver: ([UInt8]) async throws -> Void, finish: () -> Void
    ) async throws -> Int {
        defer { finish() }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GzipGuideError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var total = 0
        var index = 0
        while true {
            var failed = false
            let chunk = [UInt8](unsafeUninitializedCapacity: chunkBytes) { buffer, initialized in
                let got = Glibc.read(fd, buffer.baseAddress, chunkBytes)
                failed = got < 0
                initialized = max(0, got)
            }
            if failed { throw GzipGuideError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if chunk.isEmpty { return total }
            total += chunk.count
            index += 1
            if index == drop { continue }  // the fault the tests inject
            try await deliver(chunk)
        }
    }

    /// Inflates the output and checks every item; a truncated or damaged gzip is a problem too.
    static func verify(
        _ path: String, items: Int, itemBytes: Int, context: ScenarioContext
    ) throws -> VerificationReport {
        var verifier = StreamVerifier(itemBytes: itemBytes)
        defer { verifier.release() }
        var problems: [String] = []
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GzipGuideError("cannot open \(path)") }
        defer { close(fd) }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            inflateEnd(stream)
            stream.deallocate()
        }
        guard bpbench_inflate_init_gzip(stream) == Z_OK else { throw GzipGuideError("inflateInit2 failed") }
        let input = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer {
            input.deallocate()
            output.deallocate()
        }
        var ended = false
        reading: while !ended {
            let got = Glibc.read(fd, input, 1 << 16)
            if got < 0 { throw GzipGuideError("cannot read \(path)") }
            if got == 0 { break }
            stream.pointee.next_in = input
            stream.pointee.avail_in = UInt32(got)
            repeat {
                stream.pointee.next_out = output
                stream.pointee.avail_out = 1 << 16
                let status = inflate(stream, Z_NO_FLUSH)
                let produced = (1 << 16) - Int(stream.pointee.avail_out)
                let completed = verifier.consume(UnsafeRawBufferPointer(start: output, count: produced))
                context.addProgress(items: completed, bytes: completed * itemBytes)
                if status == Z_STREAM_END {
                    ended = true
                    break
                }
                if status != Z_OK && status != Z_BUF_ERROR {
                    problems.append("the output does not inflate: zlib status \(status)")
                    break reading
                }
            } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
        }
        if !ended && problems.isEmpty { problems.append("the gzip stream ends early (no trailer)") }
        var report = verifier.report(expectedItems: items)
        report.problems = problems + report.problems
        return report
    }
}

/// A gzip writer: zlib's deflate into 16 KiB output chunks (zlib.createGzip()'s chunkSize), each
/// written to the file as it comes.
final class GzipFile {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)  // zlib keeps its address
    private let output = UnsafeMutablePointer<UInt8>.allocate(capacity: GzipFile.chunk)
    private let fd: Int32
    private var written = 0
    static let chunk = 16 << 10

    init(path: String, level: Int) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GzipGuideError("cannot create \(path): \(String(cString: strerror(errno)))") }
        stream.initialize(to: z_stream())
        guard bpbench_deflate_init_gzip(stream, Int32(level)) == Z_OK else {
            throw GzipGuideError("deflateInit2 failed")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        output.deallocate()
        close(fd)
    }

    func compress(_ chunk: [UInt8]) throws {
        try chunk.withUnsafeBufferPointer { buffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: buffer.baseAddress)
            stream.pointee.avail_in = UInt32(buffer.count)
            try run(Z_NO_FLUSH)
        }
    }

    /// Flushes the trailer; returns the compressed size.
    func finish() throws -> Int {
        try run(Z_FINISH)
        return written
    }

    private func run(_ flush: Int32) throws {
        while true {
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(Self.chunk)
            let status = deflate(stream, flush)
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw GzipGuideError("deflate failed: \(status)")
            }
            try writeAll(count: Self.chunk - Int(stream.pointee.avail_out))
            if flush == Z_FINISH
                ? status == Z_STREAM_END : (stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0)
            {
                return
            }
        }
    }

    private func writeAll(count: Int) throws {
        var offset = 0
        while offset < count {
            let done = write(fd, output + offset, count - offset)
            guard done > 0 else { throw GzipGuideError("cannot write the output: \(String(cString: strerror(errno)))") }
            offset += done
        }
        written += count
    }
}

struct GzipGuideError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
