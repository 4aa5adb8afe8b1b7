import DequeModule
import ScenarioKit
import ScenarioSupport
import Synchronization

/// The unbounded events array (seed 004's problem): a producer at 10,000 events/s appends to an
/// array; a consumer takes 500 per second in batches. Nothing pushes back, so the backlog after t
/// seconds is (10,000 − 500)·t — 95,000 at 10 s, 570,000 at 60 s — and memory follows it.
///
/// Run time-scaled: both rates × `time_scale` and the clock ÷ `time_scale` (20 by default: the
/// seed's 10 s take 0.5 s), so the seed's numbers hold in seed-seconds. The scenario samples the
/// depth every 5 ms and reports its largest deviation from the formula.
@main
struct EventBacklog: Scenario {
    static let duration = Param<Double>.duration(
        "duration", default: "10s", profiles: ["quick": "4s", "stress": "60s"], min: 1,
        help: "how long the producer runs, in the seed's seconds (real time = duration / time_scale)")
    static let producerRate = Param<Int>.count(
        "producer_rate", default: "10000", min: 1, help: "events per seed-second the producer appends")
    static let consumerRate = Param<Int>.count(
        "consumer_rate", default: "500", min: 1,
        help: "events per seed-second the consumer takes, in one batch per seed-second")
    static let timeScale = Param<Int>.count(
        "time_scale", default: "20", min: 1, max: 1000, help: "both rates × this, the clock ÷ this")
    static let itemBytes = Param<Int>.bytes(
        "item_bytes", default: "256", min: 16, max: 1_048_576,
        help: "bytes per event (sequence, stamp, checked pattern)")

    static let depth = GaugeName("depth")
    static let formulaError = MetricName("depth_formula_error")
    static let finalDepth = MetricName("final_depth")
    static let formulaDepth = MetricName("formula_final_depth")

    static let definition = ScenarioDescription(
        name: "event-backlog",
        summary: "The unbounded events array: 10,000 events/s in, 500/s out in batches; backlog = (10,000 − 500)·t",
        seeds: ["004_34ac7218ce6ecf6d.txt"],
        parameters: [duration, producerRate, consumerRate, timeScale, itemBytes],
        scale: duration,
        gauges: [depth],
        metrics: [formulaError, finalDepth, formulaDepth],
        claims: [
            SeedClaim(
                "the backlog after t seconds is (10,000 − 500)·t (95,000 at 10 s): the measured depth within 5 % of it",
                seed: "004_34ac7218ce6ecf6d.txt", check: .metric(formulaError, atMost: 0.05)),
            SeedClaim("memory grows with time, without limit", seed: "004_34ac7218ce6ecf6d.txt", check: .memoryGrows),
        ],
        pattern: "unbounded-array")

    /// What producer, consumer and observer share.
    final class Backlog: Sendable {
        let events = Mutex(Deque<[UInt8]>())
        let producing = Atomic<Bool>(true)
        let worstError = Mutex(0.0)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let scale = Double(context[timeScale])
        let produceRate = Double(context[producerRate]) * scale
        let consumePerBatch = context[consumerRate]
        let batchIntervalNs = UInt64(1e9 / scale)
        let size = context[itemBytes]
        let total = Int((Double(context[producerRate]) * context[duration]).rounded())
        let backlog = Backlog()
        let gauge = context[depth]
        let started = MonotonicClock.nanoseconds()

        // The consumer: one batch per (scaled) second, as the seed's setInterval does.
        async let consumed: Checksum = {
            var checksum = Checksum(ordered: true)
            var nextBatch = started + batchIntervalNs
            while backlog.producing.load(ordering: .acquiring) {
                let now = MonotonicClock.nanoseconds()
                if nextBatch > now { try await Task.sleep(nanoseconds: nextBatch - now) }
                nextBatch += batchIntervalNs
                let batch = backlog.events.withLock { queue -> [[UInt8]] in
                    let taken = Array(queue.prefix(consumePerBatch))
                    queue.removeFirst(taken.count)
                    gauge.set(queue.count)
                    return taken
                }
                for event in batch {
                    checksum.add(itemHash: event.withUnsafeBytes { ItemCodec.hash($0) })
                    context.addProgress(items: 1, bytes: event.count)
                }
            }
            return checksum
        }()

        // The observer: depth against (P − C)·t every 5 ms, from a tenth of the run on (the
        // first batches make the start a staircase).
        async let observed: Void = {
            while backlog.producing.load(ordering: .acquiring) {
                try await Task.sleep(nanoseconds: 5_000_000)
                let seconds = Double(MonotonicClock.nanoseconds() - started) / 1e9 * scale  // seed-seconds
                guard seconds >= context[duration] / 10 else { continue }
                let measured = Double(backlog.events.withLock { $0.count })
                let formula = Double(context[producerRate] - context[consumerRate]) * seconds
                backlog.worstError.withLock { $0 = max($0, abs(measured - formula) / formula) }
            }
        }()

        var pacer = RatePacer(bytesPerSecond: Int(produceRate))  // one "byte" per event
        var produced = Checksum(ordered: true)
        for sequence in 0..<total {
            let event = ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: size)
            produced.add(itemHash: event.withUnsafeBytes { ItemCodec.hash($0) })
            backlog.events.withLock { queue in
                queue.append(event)
                gauge.set(queue.count)
            }
            try await pacer.pace(after: 1)
        }
        let elapsed = Double(MonotonicClock.nanoseconds() - started) / 1e9
        backlog.producing.store(false, ordering: .releasing)
        var checksum = try await consumed
        try await observed
        context.set(finalDepth, Double(backlog.events.withLock { $0.count }))
        context.set(formulaDepth, Double(context[producerRate] - context[consumerRate]) * elapsed * scale)
        context.set(formulaError, backlog.worstError.withLock { $0 })
        // Whatever is left is drained (and checked) after the clock stopped: every event once, in order.
        for event in backlog.events.withLock({ Array($0) }) {
            checksum.add(itemHash: event.withUnsafeBytes { ItemCodec.hash($0) })
        }
        return VerificationReport.compare(expected: produced, received: checksum)
    }
}
