import DequeModule
import ScenarioKit
import ScenarioSupport
import Synchronization

/// Depth-watermark pause/resume (seed 004 fix 2): events from a source that can be paused go into
/// a queue served by `workers` concurrent workers (p-queue with concurrency 10). When the queue
/// holds more than `high_mark` events the source is paused; when a worker takes one and fewer
/// than `low_mark` remain, it is resumed.
///
/// Like a socket or a Node readable, the source delivers events in bursts of `burst` (one read),
/// and a pause takes effect at the next burst: the depth overshoots the high mark by up to
/// `burst − 1` events. `high_mark=0` turns the watermarks off (the seed's unbounded problem).
@main
struct WatermarkPause: Scenario {
    /// Standard 20k (30k until issue 24): the consumer's pace sets a child's time (3.51 s a ×4
    /// child at 30k in 20261201T153412Z); the queue reaches the high mark after ≈ 11k events
    /// (≈ 300k/s in, 34k/s out), so the bounded peak is the same at quick's 20k.
    static let events = Param<Int>.items(default: "20k", quick: "20k", stress: "1M")
    static let eventBytes = Param<Int>.bytes(
        "event_bytes", default: "1KiB", min: 16, max: 1_048_576,
        help: "bytes per event (sequence, stamp, checked pattern)")
    static let producerRate = Param<Int>.count(
        "producer_rate", default: "300k", min: 1, help: "events per second the source emits while not paused")
    static let workers = Param<Int>.count(
        "workers", default: "10", min: 1, help: "events processed at once (p-queue's concurrency)")
    static let jobTime = Param<Double>.duration(
        "job_time", default: "200us", min: 0, help: "time one worker spends on one event")
    static let highMark = Param<Int>.count(
        "high_mark", default: "10000", min: 0,
        help: "pause the source when the queue holds more than this (0 = never pause)")
    static let lowMark = Param<Int>.count(
        "low_mark", default: "1000", min: 0, help: "resume it when a worker leaves fewer than this")
    static let burst = Param<Int>.count(
        "burst", default: "64", min: 1, help: "events the source delivers per read; a pause takes effect between reads")

    static let queueDepth = GaugeName("queue_depth")
    static let queueBytes = GaugeName("queue_bytes")
    static let pauses = MetricName("pauses")
    static let overshoot = MetricName("max_overshoot")
    static let pausedShare = MetricName("paused_share")

    static let seed = "004_34ac7218ce6ecf6d.txt"
    static let definition = ScenarioDescription(
        name: "watermark-pause",
        summary: "Pause the source past high_mark (10,000), resume below low_mark (1,000); 10 workers drain the queue",
        seeds: [seed],
        parameters: [events, eventBytes, producerRate, workers, jobTime, highMark, lowMark, burst],
        scale: events,
        gauges: [queueDepth, queueBytes],
        metrics: [pauses, overshoot, pausedShare],
        claims: [
            SeedClaim(
                "the depth stays within the high mark, plus at most one read in flight when the pause lands",
                seed: seed,
                check: .gauge(queueDepth, atMostSumOf: [highMark, burst], plus: 0)),
            SeedClaim("pausing the source keeps memory bounded", seed: seed, check: .memoryBounded),
        ],
        variants: [
            ScenarioVariant(
                "no-watermark", summary: "high_mark=0: the source is never paused (the seed's unbounded queue)",
                parameters: ["high_mark": "0"],
                claims: [
                    SeedClaim(
                        "without the watermarks the queue, and memory, grow with the input", seed: seed,
                        check: .memoryGrows)
                ])
        ],
        pattern: "depth-watermark")

    /// The queue, the source's paused flag, and the counts every side updates.
    final class Queue: Sendable {
        struct State {
            var events = Deque<[UInt8]>()
            var bytes = 0
            var paused = false
            var resume: CheckedContinuation<Void, Never>?
            var sourceDone = false
            var pauses = 0
            var maxDepth = 0
        }
        let state = Mutex(State())
        let high: Int, low: Int
        let depth: Gauge, bytes: Gauge

        init(_ context: ScenarioContext) {
            high = context[highMark]
            low = context[lowMark]
            depth = context[queueDepth]
            bytes = context[queueBytes]
        }

        /// `queue.add` with the seed's 'add' listener: past the high mark, pause the source.
        func add(_ event: [UInt8]) {
            state.withLock { state in
                state.events.append(event)
                state.bytes += event.count
                state.maxDepth = max(state.maxDepth, state.events.count)
                if high > 0, state.events.count > high, !state.paused {
                    state.paused = true
                    state.pauses += 1
                }
                depth.set(state.events.count)
                bytes.set(state.bytes)
            }
        }

        /// A worker takes the next event, with the seed's 'next' listener: below the low mark,
        /// resume the source. Nil when empty; `finished` when empty and the source is done.
        func take() -> (event: [UInt8]?, finished: Bool) {
            let (event, finished, waking) = state.withLock {
                state -> ([UInt8]?, Bool, CheckedContinuation<Void, Never>?) in
                guard let event = state.events.popFirst() else { return (nil, state.sourceDone, nil) }
                state.bytes -= event.count
                depth.set(state.events.count)
                bytes.set(state.bytes)
                var waking: CheckedContinuation<Void, Never>?
                if state.paused, state.events.count < low {
                    state.paused = false
                    waking = state.resume
                    state.resume = nil
                }
                return (event, false, waking)
            }
            waking?.resume()
            return (event, finished)
        }

        /// The source, between reads: wait here while paused.
        func waitWhilePaused() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let goOn = state.withLock { state -> Bool in
                    guard state.paused else { return true }
                    state.resume = continuation
                    return false
                }
                if goOn { continuation.resume() }
            }
        }
    }

    /// The checksum the workers must reach, computed before the timed run (ItemCodec memoizes
    /// it), so hashing every event once more at the end does not count against throughput.
    static func prepare(_ context: ScenarioContext) async throws {
        _ = ItemCodec.expectedChecksum(items: context[events], itemBytes: context[eventBytes], ordered: false)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let total = context[events]
        let size = context[eventBytes]
        let perRead = context[burst]
        let queue = Queue(context)
        let jobNanoseconds = UInt64(context[jobTime] * 1e9)
        let started = MonotonicClock.nanoseconds()
        let pausedNanoseconds = Atomic<UInt64>(0)

        return try await withThrowingTaskGroup(of: Checksum.self) { group in
            for _ in 0..<context[workers] {
                group.addTask {
                    var checksum = Checksum(ordered: false)
                    while true {
                        let (taken, finished) = queue.take()
                        guard let event = taken else {
                            if finished { return checksum }
                            try await Task.sleep(nanoseconds: 100_000)
                            continue
                        }
                        if jobNanoseconds > 0 { try await Task.sleep(nanoseconds: jobNanoseconds) }
                        checksum.add(itemHash: event.withUnsafeBytes { ItemCodec.hash($0) })
                        event.withUnsafeBytes { context.latency.recordSince(ItemCodec.timestamp(of: $0)) }
                        context.addProgress(items: 1, bytes: event.count)
                    }
                }
            }

            // The source: one read of `burst` events at a time, paced to producer_rate.
            var pacer = RatePacer(bytesPerSecond: context[producerRate])  // one "byte" per event
            var sequence = 0
            while sequence < total {
                let before = MonotonicClock.nanoseconds()
                await queue.waitWhilePaused()
                pausedNanoseconds.add(MonotonicClock.nanoseconds() - before, ordering: .relaxed)
                if MonotonicClock.nanoseconds() - before > 1_000_000 {
                    pacer = RatePacer(bytesPerSecond: context[producerRate])
                }  // no catch-up burst after a pause
                let end = min(sequence + perRead, total)
                for next in sequence..<end {
                    queue.add(ItemCodec.makeItem(sequence: UInt64(next), itemBytes: size, stamped: true))
                }
                try await pacer.pace(after: end - sequence)
                sequence = end
            }
            queue.state.withLock { $0.sourceDone = true }

            var checksum = Checksum(ordered: false)
            for try await part in group { checksum.merge(part) }
            let (count, deepest) = queue.state.withLock { ($0.pauses, $0.maxDepth) }
            context.set(pauses, Double(count))
            context.set(overshoot, context[highMark] > 0 ? Double(max(0, deepest - context[highMark])) : 0)
            context.set(
                pausedShare,
                Double(pausedNanoseconds.load(ordering: .relaxed)) / Double(MonotonicClock.nanoseconds() - started))
            return VerificationReport.compare(
                expected: ItemCodec.expectedChecksum(items: total, itemBytes: size, ordered: false), received: checksum)
        }
    }
}
