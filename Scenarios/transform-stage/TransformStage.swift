import AsyncAlgorithms
import ScenarioKit
import ScenarioSupport
import Synchronization

/// A transform stage with count queuing strategies (seed 003's `TransformStream` with
/// `CountQueuingStrategy({ highWaterMark: 10 })` in and `5` out): source → buffer of
/// `writable_hwm` → async transform → buffer of `readable_hwm` → a slower destination, built from
/// swift-async-algorithms' `buffer(policy: .bounded(n))`. Each buffer pulls from upstream only
/// while it holds fewer than its mark, so the items between source and destination never exceed
/// the two marks plus the one inside the transform. `bounded=false` makes both buffers unbounded.
@main
struct TransformStage: Scenario {
    /// Standard 5k (10k until issue 24): the consumer's rate paces a child (1.11 s a ×4 child at
    /// 10k in 20261201T153412Z); the marks' bound and the unbounded growth show at quick's 5k.
    static let items = Param<Int>.items(default: "5k", quick: "5k", stress: "400k")
    static let itemBytes = Param<Int>.bytes(
        "item_bytes", default: "4KiB", min: 16, max: 1_048_576,
        help: "bytes per item (sequence, stamp, checked pattern)")
    static let writableMark = Param<Int>.count(
        "writable_hwm", default: "10", min: 1,
        help: "the transform's incoming buffer, in items (CountQueuingStrategy 10)")
    static let readableMark = Param<Int>.count(
        "readable_hwm", default: "5", min: 1, help: "its outgoing buffer, in items (CountQueuingStrategy 5)")
    static let transformTime = Param<Double>.duration(
        "transform_time", default: "0", min: 0,
        help: "extra time the transform awaits per item (its expensiveOperation)")
    static let consumerRate = Param<Int>.count(
        "consumer_rate", default: "40k", min: 0, help: "items per second the destination takes (0 = as fast as it can)")
    static let bounded = Param<Bool>.flag(
        "bounded", default: "true", help: "false: both buffers unbounded (no queuing strategy)")

    /// Items the source has made that the destination has not yet taken.
    static let itemsBetween = GaugeName("items_between_stages")

    static let seed = "003_ee7a3d501c53ff94.txt"
    static let definition = ScenarioDescription(
        name: "transform-stage",
        summary:
            "source → buffer(10) → async transform → buffer(5) → slow destination: what the queuing strategies hold",
        seeds: [seed],
        parameters: [items, itemBytes, writableMark, readableMark, transformTime, consumerRate, bounded],
        scale: items,
        gauges: [itemsBetween],
        claims: [
            SeedClaim(
                "the items buffered between the stages never exceed the sum of the marks (+1 inside the transform)",
                seed: seed,
                check: .gauge(itemsBetween, atMostSumOf: [writableMark, readableMark], plus: 1)),
            SeedClaim("queuing strategies keep memory bounded whatever the input", seed: seed, check: .memoryBounded),
        ],
        variants: [
            ScenarioVariant(
                "unbounded", summary: "both buffers unbounded: the source runs ahead of the destination",
                parameters: ["bounded": "false"],
                claims: [
                    SeedClaim(
                        "without the marks the buffers, and memory, grow with the input", seed: seed,
                        check: .memoryGrows)
                ])
        ],
        pattern: "transform-stage")

    /// Counts at both ends; their difference is what the stages hold.
    final class Ends: Sendable {
        let state = Mutex((made: 0, taken: 0))
        let gauge: Gauge
        init(_ gauge: Gauge) { self.gauge = gauge }
        func made() {
            state.withLock {
                $0.made += 1
                gauge.set($0.made - $0.taken)
            }
        }
        func taken() {
            state.withLock {
                $0.taken += 1
                gauge.set($0.made - $0.taken)
            }
        }
    }

    /// The checksum the destination must reach, computed before the timed run (ItemCodec memoizes
    /// it): computed at the end of `run` it hashed 40,000 × 4 KiB once more inside the clock, and
    /// the run took 1.083 s for 40,000 items at the destination's 40,000/s (0.92× its rate).
    static func prepare(_ context: ScenarioContext) async throws {
        _ = ItemCodec.expectedChecksum(items: context[items], itemBytes: context[itemBytes], ordered: true)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let total = context[items]
        let size = context[itemBytes]
        let ends = Ends(context[itemsBetween])
        let inPolicy: AsyncBufferSequencePolicy = context[bounded] ? .bounded(context[writableMark]) : .unbounded
        let outPolicy: AsyncBufferSequencePolicy = context[bounded] ? .bounded(context[readableMark]) : .unbounded
        let pause = UInt64(context[transformTime] * 1e9)

        let source = (0..<total).async.map { sequence -> [UInt8] in
            ends.made()
            return ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: size, stamped: true)
        }
        // The transform: await the expensive operation, then write its output — a new buffer, as
        // a transform that produces data allocates one (the input is released).
        let transformed = source.buffer(policy: inPolicy).map { item -> [UInt8] in
            if pause > 0 { try? await Task.sleep(nanoseconds: pause) }
            return [UInt8](unsafeUninitializedCapacity: item.count) { output, count in
                count = output.initialize(fromContentsOf: item)
            }
        }.buffer(policy: outPolicy)

        var verifier = StreamVerifier(itemBytes: size, ordered: true, latency: context.latency)
        defer { verifier.release() }
        var pacer = RatePacer(bytesPerSecond: context[consumerRate])  // one "byte" per item
        for await item in transformed {
            ends.taken()
            item.withUnsafeBytes { verifier.consumeItem($0) }
            context.addProgress(items: 1, bytes: item.count)
            try await pacer.pace(after: 1)
        }
        return verifier.report(expectedItems: total)
    }
}
