import NIOCore
import ScenarioKit
import ScenarioSupport

/// The classic streaming OOM: the same producer and `Writable` as manual-drain, but `write`'s
/// false is ignored, so every chunk waits in user space (NIO's pending writes) until the slow
/// reader gets to it. With `sink=memory` the Swift-native trap stands in: an `AsyncStream` with
/// its default unbounded buffering between a fast producer and a slow consumer.
@main
struct IgnoredDrain: Scenario {
    static let sink = Param<String>.choice(
        "sink", ["socket", "memory"], default: "socket",
        help: "socket: NIO pending writes grow; memory: AsyncStream's unbounded buffer grows")
    static let ignoredFalseWrites = MetricName("ignored_false_writes")

    static let definition = ScenarioDescription(
        name: "ignored-drain",
        summary:
            "No backpressure: write() result ignored, the whole stream queues in memory (or AsyncStream .unbounded)",
        seeds: [
            "000_dad6ddaa19fdce00.txt", "001_fde9a5ee61eb77d8.txt", "002_af3d1f900fda35a4.txt",
            "004_34ac7218ce6ecf6d.txt",
        ],
        parameters: StreamSettings.parameters + [sink],
        scale: StreamSettings.items,
        gauges: StreamSettings.gauges + [Writable.buffered],
        metrics: StreamSettings.metrics + [ignoredFalseWrites],
        claims: [
            SeedClaim(
                "ignoring write()'s false queues the whole stream: peak memory ≈ stream size (±20 %)",
                seed: "000_dad6ddaa19fdce00.txt", check: .peakAllocatedPerInputByte(min: 0.8, max: 1.2)),
            SeedClaim(
                "the buffer grows without limit as the input grows",
                seed: "001_fde9a5ee61eb77d8.txt", check: .memoryGrows),
        ],
        variants: [
            ScenarioVariant(
                "async-stream",
                summary: "sink=memory: an AsyncStream with .unbounded buffering between producer and a paced consumer",
                parameters: ["sink": "memory"],
                claims: [
                    SeedClaim(
                        "an unbounded buffer between a fast producer and a slow consumer holds the whole stream",
                        seed: "000_dad6ddaa19fdce00.txt", check: .peakAllocatedPerInputByte(min: 0.8, max: 1.2)),
                    SeedClaim(
                        "it grows without limit as the input grows", seed: "001_fde9a5ee61eb77d8.txt",
                        check: .memoryGrows),
                ])
        ],
        pattern: "ignored-drain")

    static func prepare(_ context: ScenarioContext) async throws {
        try await FileToSocket.prepare(context)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        if context[sink] == "memory" {
            return try await UnboundedStream.run(context)
        }
        return try await FileToSocket.run(context) { producer in
            let writable = try await Writable(
                channel: producer.channel, highWaterMark: producer.settings.highWaterMark, context: context)
            var ignoredFalse = 0
            for try await chunk in producer.chunks {
                if !writable.write(chunk) { ignoredFalse += 1 }  // the bug: no drain
            }
            context.set(ignoredFalseWrites, Double(ignoredFalse))
            try await writable.flushed()
        }
    }
}
