import DequeModule
import ScenarioKit
import ScenarioSupport
import Synchronization

/// Load shedding by priority (seed 004, fix 4): a producer far faster than its consumer pushes
/// events into one queue; once the queue holds `depth_limit` events, low-priority ones
/// (analytics, telemetry) are dropped — and counted by type — while critical ones (payment,
/// error) are always accepted. `depth_limit=0` turns shedding off: the unbounded queue the seed
/// starts from.
@main
struct LoadShedding: Scenario {
    /// Standard 100k (200k until issue 24): the producer's rate sets a child's time (200k at
    /// 200k/s: 4.07 s a ×4 child in 20261201T153412Z); shedding's bound shows at quick's 40k.
    static let items = Param<Int>.items(default: "100k", quick: "40k", stress: "2M")
    static let itemBytes = Param<Int>.bytes(
        "item_bytes", default: "1KiB", min: 16, max: 1_048_576,
        help: "bytes per event (sequence, stamp, checked pattern)")
    static let producerRate = Param<Int>.count(
        "producer_rate", default: "200k", min: 1, help: "events per second the producer emits")
    static let consumerRate = Param<Int>.count(
        "consumer_rate", default: "20k", min: 1, help: "events per second the consumer processes")
    static let depthLimit = Param<Int>.count(
        "depth_limit", default: "1000", min: 0,
        help: "queue depth past which low-priority events are dropped (0 = never shed: the unbounded queue)")
    static let criticalEvery = Param<Int>.count(
        "critical_every", default: "20", min: 1,
        help: "one event in N is critical (alternately payment and error); the rest are analytics and telemetry")

    /// Events waiting, and the low-priority ones among them (the ones the limit applies to).
    static let queueDepth = GaugeName("queue_depth")
    static let lowPriorityDepth = GaugeName("low_priority_depth")
    static let queueBytes = GaugeName("queue_bytes")

    static let lostCritical = MetricName("lost_critical")
    static let accountingMismatch = MetricName("accounting_mismatch")
    static let droppedLow = MetricName("dropped_low_priority")
    static let kinds = ["payment", "error", "analytics", "telemetry"]
    static let produced = kinds.map { MetricName("produced_\($0)") }
    static let processed = kinds.map { MetricName("processed_\($0)") }
    static let dropped = kinds.map { MetricName("dropped_\($0)") }

    static let definition = ScenarioDescription(
        name: "load-shedding",
        summary:
            "Priority load shedding: past depth_limit, analytics/telemetry are dropped and counted, payment/error always accepted",
        seeds: ["004_34ac7218ce6ecf6d.txt"],
        parameters: [items, itemBytes, producerRate, consumerRate, depthLimit, criticalEvery],
        scale: items,
        gauges: [queueDepth, lowPriorityDepth, queueBytes],
        metrics: [lostCritical, accountingMismatch, droppedLow] + produced + processed + dropped,
        claims: [
            SeedClaim(
                "critical events (payment, error) are never shed", seed: "004_34ac7218ce6ecf6d.txt",
                check: .metric(lostCritical, equals: 0)),
            SeedClaim(
                "every event is accounted for: produced = processed + dropped, per type",
                seed: "004_34ac7218ce6ecf6d.txt",
                check: .metric(accountingMismatch, equals: 0)),
            SeedClaim(
                "the queue never holds more than depth_limit low-priority events", seed: "004_34ac7218ce6ecf6d.txt",
                check: .gauge(lowPriorityDepth, atMost: depthLimit)),
            SeedClaim(
                "shedding keeps memory bounded under a producer far faster than the consumer",
                seed: "004_34ac7218ce6ecf6d.txt", check: .memoryBounded),
        ],
        variants: [
            // Smaller and faster (same 10:1 rates): without shedding the consumer must take every
            // event, 10 s for the default 200k at 20k/s — 40 s at ×4.
            ScenarioVariant(
                "unbounded",
                summary:
                    "depth_limit=0: nothing is shed, the queue takes everything (the seed's problem); 40k events at 400k/s into 40k/s",
                parameters: ["depth_limit": "0", "items": "40k", "producer_rate": "400k", "consumer_rate": "40k"],
                claims: [
                    SeedClaim(
                        "an unbounded queue behind a slower consumer grows with the input",
                        seed: "004_34ac7218ce6ecf6d.txt", check: .memoryGrows),
                    SeedClaim(
                        "nothing critical is lost either way", seed: "004_34ac7218ce6ecf6d.txt",
                        check: .metric(lostCritical, equals: 0)),
                ])
        ],
        pattern: "load-shedding")

    /// The event queue: one lock around a deque and the per-type counts.
    final class EventQueue: Sendable {
        struct State {
            var events = Deque<[UInt8]>()
            var lowPriority = 0
            var bytes = 0
            var producerDone = false
        }
        let state = Mutex(State())
    }

    static func kind(of sequence: Int, criticalEvery: Int) -> Int {
        if sequence % criticalEvery == 0 { return (sequence / criticalEvery) % 2 }  // payment, error
        return 2 + sequence % 2  // analytics, telemetry
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let total = context[items]
        let size = context[itemBytes]
        let every = context[criticalEvery]
        let limit = context[depthLimit]
        let queue = EventQueue()
        let depth = context[queueDepth]
        let lowDepth = context[lowPriorityDepth]
        let bytesHeld = context[queueBytes]
        // Order-free checksums: what was accepted (at the producer) against what was processed.
        let accepted = Mutex(Checksum(ordered: false))

        async let consumed: ([Int], Checksum) = {
            var counts = [0, 0, 0, 0]
            var checksum = Checksum(ordered: false)
            var pacer = RatePacer(bytesPerSecond: context[consumerRate])  // one "byte" per event
            while true {
                let next: [UInt8]? = queue.state.withLock { state in
                    guard let event = state.events.popFirst() else { return nil }
                    state.bytes -= event.count
                    let sequence = event.withUnsafeBytes { Int(ItemCodec.sequence(of: $0)) }
                    if kind(of: sequence, criticalEvery: every) >= 2 { state.lowPriority -= 1 }
                    depth.set(state.events.count)
                    lowDepth.set(state.lowPriority)
                    bytesHeld.set(state.bytes)
                    return event
                }
                guard let event = next else {
                    if queue.state.withLock({ $0.producerDone && $0.events.isEmpty }) { break }
                    try await Task.sleep(nanoseconds: 200_000)
                    continue
                }
                let sequence = event.withUnsafeBytes { Int(ItemCodec.sequence(of: $0)) }
                checksum.add(itemHash: event.withUnsafeBytes { ItemCodec.hash($0) })
                counts[kind(of: sequence, criticalEvery: every)] += 1
                context.addProgress(items: 1, bytes: event.count)
                try await pacer.pace(after: 1)
            }
            return (counts, checksum)
        }()

        var producedCounts = [0, 0, 0, 0]
        var droppedCounts = [0, 0, 0, 0]
        var pacer = RatePacer(bytesPerSecond: context[producerRate])
        for sequence in 0..<total {
            let kind = kind(of: sequence, criticalEvery: every)
            producedCounts[kind] += 1
            let event = ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: size)
            let taken = queue.state.withLock { state -> Bool in
                // The shedding rule: critical always in; low priority only below the limit.
                if kind >= 2, limit > 0, state.events.count >= limit { return false }
                state.events.append(event)
                state.bytes += event.count
                if kind >= 2 { state.lowPriority += 1 }
                depth.set(state.events.count)
                lowDepth.set(state.lowPriority)
                bytesHeld.set(state.bytes)
                return true
            }
            if taken {
                let hash = event.withUnsafeBytes { ItemCodec.hash($0) }
                accepted.withLock { $0.add(itemHash: hash) }
            } else {
                droppedCounts[kind] += 1
            }
            try await pacer.pace(after: 1)
        }
        queue.state.withLock { $0.producerDone = true }
        let (processedCounts, processedChecksum) = try await consumed

        var mismatch = 0
        for index in kinds.indices {
            context.set(produced[index], Double(producedCounts[index]))
            context.set(processed[index], Double(processedCounts[index]))
            context.set(dropped[index], Double(droppedCounts[index]))
            mismatch += abs(producedCounts[index] - processedCounts[index] - droppedCounts[index])
        }
        context.set(accountingMismatch, Double(mismatch))
        context.set(
            lostCritical, Double(producedCounts[0] + producedCounts[1] - processedCounts[0] - processedCounts[1]))
        context.set(droppedLow, Double(droppedCounts[2] + droppedCounts[3]))
        // Every accepted event processed exactly once, intact (order-free: one consumer, but
        // verification should not depend on it).
        return VerificationReport.compare(expected: accepted.withLock { $0 }, received: processedChecksum)
    }
}
