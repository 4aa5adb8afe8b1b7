import NIOCore
import ScenarioKit
import ScenarioSupport

/// Backpressure by hand, Node's `if (!w.write(c)) await once(w, 'drain')`: a `Writable` over
/// the same TCP sink whose `write` says false at the high-water mark and whose `drain()` waits
/// for NIO's writability to come back.
@main
struct ManualDrain: Scenario {
    static let drainWaits = MetricName("drain_waits")

    static let definition = ScenarioDescription(
        name: "manual-drain",
        summary: "Backpressure by hand: if !write(chunk) { await drain() } over a NIO socket's writability",
        seeds: ["001_fde9a5ee61eb77d8.txt", "003_ee7a3d501c53ff94.txt", "000_dad6ddaa19fdce00.txt"],
        parameters: StreamSettings.parameters,
        scale: StreamSettings.items,
        gauges: StreamSettings.gauges + [Writable.buffered],
        metrics: StreamSettings.metrics + [drainWaits],
        claims: [
            SeedClaim(
                "honouring write()'s false and waiting for drain keeps memory bounded",
                seed: "001_fde9a5ee61eb77d8.txt", check: .memoryBounded),
            // "As fast as" is one-sided: faster than the pipeline does not contradict it.
            SeedClaim(
                "done by hand it moves data as fast as pipeline (at least 0.90 × its throughput; here both wait for a paced reader)",
                seed: "003_ee7a3d501c53ff94.txt", check: .throughputRatioAtLeast(scenario: "pipeline-copy", min: 0.90)),
        ],
        variants: [
            ScenarioVariant(
                "unthrottled",
                summary: "consumer_rate=0: the reader as fast as it can, where the drain handshake's cost shows",
                // consumer_share=0 too: stress sets a share, which would override consumer_rate.
                parameters: ["consumer_rate": "0", "consumer_share": "0"],
                claims: [
                    // Where the claim can fail: no throttle hides the writer's cost.
                    SeedClaim(
                        "done by hand it moves data as fast as pipeline (at least 0.90 ×), with nothing else setting the pace",
                        seed: "003_ee7a3d501c53ff94.txt",
                        check: .throughputRatioAtLeast(scenario: "pipeline-copy/unthrottled", min: 0.90)),
                    SeedClaim(
                        "bounded whatever the reader's speed", seed: "001_fde9a5ee61eb77d8.txt", check: .memoryBounded),
                ])
        ],
        pattern: "drain-loop")

    static func prepare(_ context: ScenarioContext) async throws {
        try await FileToSocket.prepare(context)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        try await FileToSocket.run(context) { producer in
            let writable = try await Writable(
                channel: producer.channel, highWaterMark: producer.settings.highWaterMark, context: context)
            var drains = 0
            for try await chunk in producer.chunks {
                if !writable.write(chunk) {
                    drains += 1
                    try await writable.drain()
                }
            }
            context.set(drainWaits, Double(drains))
            try await writable.flushed()
        }
    }
}
