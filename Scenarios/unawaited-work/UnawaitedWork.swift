import AsyncAlgorithms
import ScenarioKit
import ScenarioSupport
import Synchronization

/// Unawaited work in a stream consumer (seed 000 §3 and §4): each chunk's work writes to a
/// downstream that takes one chunk at a time at `sink_rate`. Awaited, the consumer asks for the
/// next chunk only when the work is done, so one chunk is in flight. Unawaited — a `Task` started
/// per chunk and forgotten — the source is drained as fast as it can produce and every chunk
/// waits, in memory, inside its task.
///
/// Two consumers, as in the seed: a `for await` loop over a pull-based async sequence (§4), and a
/// handler called for every chunk by a push source (§3, `readable.on('data', …)`), whose awaited
/// form is a source that awaits its handler (the seed's async `Transform`).
@main
struct UnawaitedWork: Scenario {
    /// Standard 5k (10k until issue 24): the sink's rate paces a child (1.11 s a ×4 child at 10k
    /// in 20261201T153412Z); the bounded and growing rows separate at quick's 4k already.
    static let items = Param<Int>.items(default: "5k", quick: "4k", stress: "400k")
    static let itemBytes = Param<Int>.bytes(
        "item_bytes", default: "4KiB", min: 16, max: 1_048_576,
        help: "bytes per chunk (sequence, stamp, checked pattern)")
    static let sinkRate = Param<Int>.count(
        "sink_rate", default: "40k", min: 1, help: "chunks per second the downstream accepts, one at a time")
    static let consumer = Param<String>.choice(
        "consumer", ["loop", "handler"], default: "loop",
        help: "loop: for await over an async sequence; handler: a push source calls a handler per chunk")
    static let awaitWork = Param<Bool>.flag(
        "await_work", default: "true",
        help: "await each chunk's work before the next chunk (false: start a Task and move on)")

    /// Chunks whose work has started and not finished, and the bytes they hold.
    static let workInFlight = GaugeName("work_in_flight")
    static let heldBytes = GaugeName("held_bytes")
    static let maxInFlight = MetricName("max_work_in_flight")

    static let seed = "000_dad6ddaa19fdce00.txt"
    static let definition = ScenarioDescription(
        name: "unawaited-work",
        summary:
            "A for-await loop or a data handler whose per-chunk async work is awaited (bounded) or started and forgotten (grows)",
        seeds: [seed],
        parameters: [items, itemBytes, sinkRate, consumer, awaitWork],
        scale: items,
        gauges: [workInFlight, heldBytes],
        metrics: [maxInFlight],
        claims: [
            SeedClaim("awaiting the work in the loop keeps memory bounded", seed: seed, check: .memoryBounded),
            SeedClaim(
                "an awaited loop holds one chunk's work at a time", seed: seed,
                check: .gauge(workInFlight, atMostSumOf: [], plus: 1)),
        ],
        variants: [
            ScenarioVariant(
                "unawaited", summary: "for await with a Task per chunk, not awaited (seed 000 §4)",
                parameters: ["await_work": "false"],
                claims: [
                    SeedClaim(
                        "unawaited work in a for-await loop grows memory with the input", seed: seed,
                        check: .memoryGrows)
                ]),
            ScenarioVariant(
                "handler", summary: "a push source's handler starts a Task per chunk (seed 000 §3, on('data'))",
                parameters: ["consumer": "handler", "await_work": "false"],
                claims: [
                    SeedClaim(
                        "promises started in a data handler accumulate: memory grows with the input", seed: seed,
                        check: .memoryGrows)
                ]),
            ScenarioVariant(
                "handler-awaited",
                summary: "the source awaits its async handler before the next chunk (the seed's async Transform)",
                parameters: ["consumer": "handler"],
                claims: [
                    SeedClaim(
                        "a source that awaits its handler keeps memory bounded", seed: seed, check: .memoryBounded),
                    SeedClaim(
                        "one chunk's work at a time", seed: seed, check: .gauge(workInFlight, atMostSumOf: [], plus: 1)),
                ]),
        ],
        pattern: "unawaited-work")

    /// The downstream every chunk's work writes to: one chunk at a time, at `sink_rate`. Keeps
    /// an order-free checksum of what it was given (unawaited tasks run in no promised order).
    final class Downstream: Sendable {
        struct State {
            var pacer: RatePacer
            var checksum = Checksum(ordered: false)
            var inFlight = 0, maxInFlight = 0, heldBytes = 0, finished = 0
        }
        let gate = AsyncSemaphore(permits: 1)
        let state: Mutex<State>
        let context: ScenarioContext

        init(_ context: ScenarioContext) {
            self.context = context
            state = Mutex(State(pacer: RatePacer(bytesPerSecond: context[sinkRate])))  // one "byte" per chunk
        }

        /// A chunk's work begins (it now holds the chunk).
        func started(_ chunk: [UInt8]) {
            state.withLock { state in
                state.inFlight += 1
                state.maxInFlight = max(state.maxInFlight, state.inFlight)
                state.heldBytes += chunk.count
                context[workInFlight].set(state.inFlight)
                context[heldBytes].set(state.heldBytes)
            }
        }

        /// The work: wait for the downstream, write, and let go of the chunk.
        func work(_ chunk: [UInt8]) async throws {
            await gate.acquire()
            defer { gate.release() }
            var pacer = state.withLock { $0.pacer }
            try await pacer.pace(after: 1)
            let hash = chunk.withUnsafeBytes { ItemCodec.hash($0) }
            chunk.withUnsafeBytes { context.latency.recordSince(ItemCodec.timestamp(of: $0)) }
            context.addProgress(items: 1, bytes: chunk.count)
            state.withLock { state in
                state.pacer = pacer
                state.checksum.add(itemHash: hash)
                state.inFlight -= 1
                state.heldBytes -= chunk.count
                state.finished += 1
                context[workInFlight].set(state.inFlight)
                context[heldBytes].set(state.heldBytes)
            }
        }

        /// Waits until `count` chunks' work has finished (the unawaited tasks are nobody's children).
        func waitForFinished(_ count: Int) async throws {
            while state.withLock({ $0.finished }) < count { try await Task.sleep(nanoseconds: 1_000_000) }
        }
    }

    /// The push source of seed §3: emits every chunk to its handler as fast as it can make them
    /// (a flowing `readable`). With an async handler it awaits each call, as an async Transform does.
    struct PushSource {
        let total: Int, itemBytes: Int
        func emit(_ handler: ([UInt8]) -> Void) {
            for sequence in 0..<total {
                handler(ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: itemBytes, stamped: true))
            }
        }
        func emitAwaiting(_ handler: ([UInt8]) async throws -> Void) async throws {
            for sequence in 0..<total {
                try await handler(ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: itemBytes, stamped: true))
            }
        }
    }

    /// The checksum the downstream must reach, computed before the timed run (ItemCodec memoizes
    /// it): computed at the end of `run` it hashed 40,000 × 4 KiB once more inside the clock, and
    /// the run took 1.084 s for 40,000 chunks at the sink's 40,000/s (0.92× its rate).
    static func prepare(_ context: ScenarioContext) async throws {
        _ = ItemCodec.expectedChecksum(items: context[items], itemBytes: context[itemBytes], ordered: false)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let total = context[items]
        let size = context[itemBytes]
        let downstream = Downstream(context)
        let awaited = context[awaitWork]
        switch (context[consumer], awaited) {
        case ("handler", true):
            try await PushSource(total: total, itemBytes: size).emitAwaiting { chunk in
                downstream.started(chunk)
                try await downstream.work(chunk)
            }
        case ("handler", false):
            PushSource(total: total, itemBytes: size).emit { chunk in
                downstream.started(chunk)
                Task { try await downstream.work(chunk) }  // the seed's ignored promise
            }
        default:
            // A pull-based sequence: the next chunk is made only when the loop asks for it.
            let source = (0..<total).async.map {
                ItemCodec.makeItem(sequence: UInt64($0), itemBytes: size, stamped: true)
            }
            for await chunk in source {
                downstream.started(chunk)
                if awaited {
                    try await downstream.work(chunk)
                } else {
                    Task { try await downstream.work(chunk) }  // not awaited: the loop pulls the next at once
                }
            }
        }
        try await downstream.waitForFinished(total)
        let (checksum, most) = downstream.state.withLock { ($0.checksum, $0.maxInFlight) }
        context.set(maxInFlight, Double(most))
        return VerificationReport.compare(
            expected: ItemCodec.expectedChecksum(items: total, itemBytes: size, ordered: false), received: checksum)
    }
}
