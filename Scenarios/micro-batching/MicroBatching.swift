import AsyncAlgorithms
import ScenarioKit
import ScenarioSupport

/// Micro-batching (seed 003's `MicroBatcher`): items are collected into a batch that is handed to
/// the consumer when it holds `max_batch` items or when `max_wait` has passed — swift-async-
/// algorithms' `chunks(ofCount:or: .repeating(every:))` over an `AsyncChannel`. One consumer call
/// costs `call_cost` plus `item_cost` per item (a database round trip and its rows), so a bigger
/// batch spreads the per-call cost over more items until the per-item cost dominates.
///
/// The producer is unthrottled by default (the throughput sweep: the channel hands items over only
/// as the batcher takes them); with `producer_rate` it arrives at a fixed rate, and an item's
/// latency (from its slot in that schedule to the end of its batch's call) is what `max_wait`
/// bounds — as long as the batcher keeps up with the offered rate.
@main
struct MicroBatching: Scenario {
    /// Standard 5k (10k until issue 24): each batch's call time paces a child (2.15 s a ×4 child at
    /// 10k in 20261201T153412Z); the batch-size ratios it is read by hold at quick's 4k.
    static let items = Param<Int>.items(default: "5k", quick: "4k", stress: "400k")
    static let itemBytes = Param<Int>.bytes(
        "item_bytes", default: "256", min: 16, max: 1_048_576, help: "bytes per item (sequence, stamp, checked pattern)"
    )
    static let maxBatch = Param<Int>.count(
        "max_batch", default: "50", min: 1,
        help: "a batch is handed over when it holds this many items (the seed's maxBatchSize)")
    static let maxWait = Param<Double>.duration(
        "max_wait", default: "10ms", min: 0.0001,
        help: "…or when this much time has passed (the seed's maxWaitMs 100, ÷10)")
    static let callCost = Param<Double>.duration(
        "call_cost", default: "1ms", min: 0, help: "what one consumer call costs, whatever the batch size")
    static let itemCost = Param<Double>.duration(
        "item_cost", default: "20us", min: 0, help: "what each item in a call adds")
    static let producerRate = Param<Int>.count(
        "producer_rate", default: "0", min: 0, help: "items per second offered (0 = as fast as the batcher takes them)")

    static let batchSize = GaugeName("batch_size")
    static let meanBatch = MetricName("mean_batch_size")
    static let latencyBound = MetricName("latency_bound_us")
    static let p99OverBound = MetricName("p99_over_bound")
    static let modelThroughput = MetricName("model_items_per_s")

    static let seed = "003_ee7a3d501c53ff94.txt"
    static func sweepClaim(_ text: String, over row: String, min: Double, max: Double = 1_000_000) -> SeedClaim {
        SeedClaim(text, seed: seed, check: .throughputRatio(scenario: row, min: min, max: max))
    }
    static let definition = ScenarioDescription(
        name: "micro-batching",
        summary:
            "MicroBatcher: batches of max_batch or max_wait into a consumer with a per-call cost; a sweep of batch sizes",
        seeds: [seed],
        parameters: [items, itemBytes, maxBatch, maxWait, callCost, itemCost, producerRate],
        scale: items,
        gauges: [batchSize],
        metrics: [meanBatch, latencyBound, p99OverBound, modelThroughput],
        claims: [
            // Model: n / (call_cost + n · item_cost) — 980/s at 1, 8,300/s at 10, 25,000/s at 50, 40,000/s at 200.
            sweepClaim(
                "batches of 50 move ≥ 2× the items per second of batches of 10 (per-call cost amortised)",
                over: "micro-batching/batch-10", min: 2),
            SeedClaim("batching holds only a batch: memory bounded", seed: seed, check: .memoryBounded),
        ],
        variants: [
            // Batches of one pay the whole call per item: 500 items are half a second of it.
            ScenarioVariant(
                "batch-1", summary: "max_batch=1: one call per item", parameters: ["max_batch": "1", "items": "500"]),
            ScenarioVariant(
                "batch-10", summary: "max_batch=10", parameters: ["max_batch": "10", "items": "2500"],
                claims: [
                    sweepClaim(
                        "batches of 10 move ≥ 4× the items per second of batches of 1", over: "micro-batching/batch-1",
                        min: 4)
                ]),
            ScenarioVariant(
                "batch-200", summary: "max_batch=200: the per-item cost dominates", parameters: ["max_batch": "200"],
                claims: [
                    sweepClaim(
                        "past the per-call cost the gain flattens: batches of 200 move < 2× batches of 50 (4× the size)",
                        over: "micro-batching", min: 1, max: 2)
                ]),
            ScenarioVariant(
                "paced", summary: "2,000 items/s offered: batches close on max_wait, not on size",
                parameters: ["producer_rate": "2000", "items": "1000"],
                claims: [
                    SeedClaim(
                        "p99 latency stays under max_wait + one full batch's call", seed: seed,
                        check: .metric(p99OverBound, atMost: 1))
                ]),
        ],
        pattern: "micro-batching")

    /// The checksum the consumer must reach, computed before the timed run (ItemCodec memoizes
    /// it), so verifying does not count as batching time.
    static func prepare(_ context: ScenarioContext) async throws {
        _ = ItemCodec.expectedChecksum(items: context[items], itemBytes: context[itemBytes], ordered: true)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let total = context[items]
        let size = context[itemBytes]
        let most = context[maxBatch]
        let call = context[callCost]
        let perItem = context[itemCost]
        let channel = AsyncChannel<[UInt8]>()
        let gauge = context[batchSize]
        let rate = context[producerRate]
        let started = MonotonicClock.nanoseconds()
        // An item's latency runs from when it was offered: its creation, or — with a paced
        // producer — its slot in the schedule, so a batcher too slow for the offered rate (which
        // the channel's hand-over would otherwise hide by slowing the producer) shows as delay.
        func offered(_ item: UnsafeRawBufferPointer) -> UInt64 {
            guard rate > 0 else { return ItemCodec.timestamp(of: item) }
            return started + UInt64(Double(ItemCodec.sequence(of: item)) * 1e9 / Double(rate))
        }

        async let produced: Void = {
            var pacer = RatePacer(bytesPerSecond: rate)  // one "byte" per item
            for sequence in 0..<total {
                await channel.send(ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: size, stamped: true))
                try await pacer.pace(after: 1)
            }
            channel.finish()
        }()

        var verifier = StreamVerifier(itemBytes: size, ordered: true)
        defer { verifier.release() }
        var batches = 0
        let waitNanoseconds = Int64(context[maxWait] * 1e9)
        for await batch in channel.chunks(ofCount: most, or: .repeating(every: .nanoseconds(waitNanoseconds))) {
            gauge.set(batch.count)
            // The consumer's call: a fixed cost plus a cost per item.
            try await Task.sleep(nanoseconds: UInt64((call + perItem * Double(batch.count)) * 1e9))
            for item in batch {
                item.withUnsafeBytes { bytes in
                    verifier.consumeItem(bytes)
                    context.latency.recordSince(offered(bytes))
                }
                context.addProgress(items: 1, bytes: item.count)
            }
            batches += 1
        }
        try await produced

        let bound = context[maxWait] + call + perItem * Double(most)
        context.set(meanBatch, batches > 0 ? Double(total) / Double(batches) : 0)
        context.set(latencyBound, bound * 1e6)
        context.set(modelThroughput, Double(most) / (call + perItem * Double(most)))
        if let p99 = context.latency.summary()?.p99Us { context.set(p99OverBound, p99 / (bound * 1e6)) }
        return verifier.report(expectedItems: total)
    }
}
