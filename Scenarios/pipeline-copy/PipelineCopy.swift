import NIOCore
import ScenarioKit
import ScenarioSupport

/// `stream.pipeline(source, transform, sink)` in Swift: file chunks → transform → a NIO async
/// channel whose outbound writer suspends while the socket is not writable, so the slow reader's
/// "I'm full" travels back to the file reader and nothing piles up.
@main
struct PipelineCopy: Scenario {
    static let definition = ScenarioDescription(
        name: "pipeline-copy",
        summary:
            "Structural backpressure: file → transform → TCP via an async writer that suspends when the socket is full",
        seeds: ["001_fde9a5ee61eb77d8.txt", "002_af3d1f900fda35a4.txt", "003_ee7a3d501c53ff94.txt"],
        parameters: StreamSettings.parameters,
        scale: StreamSettings.items,
        gauges: StreamSettings.gauges,
        metrics: StreamSettings.metrics,
        isReference: true,
        claims: [
            SeedClaim(
                "peak memory does not depend on file size: each stage pulls only as fast as the next accepts",
                seed: "001_fde9a5ee61eb77d8.txt", check: .memoryBounded)
        ],
        variants: [
            ScenarioVariant(
                "unthrottled", summary: "consumer_rate=0: the reader as fast as it can, so the writer's own cost shows",
                // consumer_share=0 too: stress sets a share, which would override consumer_rate.
                parameters: ["consumer_rate": "0", "consumer_share": "0"],
                claims: [
                    SeedClaim(
                        "bounded whatever the reader's speed", seed: "001_fde9a5ee61eb77d8.txt", check: .memoryBounded)
                ])
        ],
        pattern: "pipeline")

    static func prepare(_ context: ScenarioContext) async throws {
        try await FileToSocket.prepare(context)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        try await FileToSocket.run(context) { producer in
            let channel = try await producer.channel.eventLoop.submit {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: producer.channel)
            }.get()
            // The outbound writer is the pipeline's joint: `write` returns only when NIO can take
            // more, so this loop pulls the next file chunk only as fast as the reader drains.
            try await channel.executeThenClose { _, outbound in
                for try await chunk in producer.chunks {
                    try await outbound.write(chunk)
                }
                // Closing now would drop bytes still queued; the sink says when all arrived.
                _ = try await producer.finished()
            }
        }
    }
}
