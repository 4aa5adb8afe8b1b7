import ScenarioKit
import ScenarioSupport
import Synchronization

/// Three concurrency regimes over the same jobs (seed 002's table): sequential (`for … await`),
/// bounded (`k` workers in a task group pulling the next job as one finishes — p-limit's shape),
/// and unbounded (one task per job, all started at once — `Promise.all(ids.map(fn))`). Every job
/// calls a downstream that serves at most `downstream_limit` calls at once (a connection pool)
/// and takes `call_time` per call; a job holds its `job_bytes` payload from its start to its end.
@main
struct ConcurrencyRegimes: Scenario {
    /// Standard 2500 (5k until issue 24): the downstream's limit paces every row (1.06–1.38 s a ×4
    /// child at 5k in 20261201T153412Z); the verdicts and claims need no more than quick's 2k.
    static let jobs = Param<Int>.items(default: "2500", quick: "2k", stress: "200k")
    static let jobBytes = Param<Int>.bytes(
        "job_bytes", default: "8KiB", min: 16, max: 1_048_576,
        help: "the payload a job holds while it runs or waits (its input, e.g. a profile)")
    static let callTime = Param<Double>.duration(
        "call_time", default: "5ms", min: 0.0001,
        help: "how long one downstream call takes (the seed's ~30 ms, time-scaled)")
    static let downstreamLimit = Param<Int>.count(
        "downstream_limit", default: "100", min: 1,
        help: "calls the downstream serves at once (a pool); more wait for a free slot")
    static let regime = Param<String>.choice(
        "regime", ["sequential", "bounded", "unbounded"], default: "bounded",
        help: "sequential: one job at a time; bounded: concurrency workers; unbounded: one task per job, all at once")
    static let concurrency = Param<Int>.count(
        "concurrency", default: "100", min: 1, help: "k, the bounded regime's worker count")

    /// Jobs started and not finished (each holds its payload), and those waiting for the pool.
    static let jobsInFlight = GaugeName("jobs_in_flight")
    static let waitingForDownstream = GaugeName("waiting_for_downstream")
    static let callsInDownstream = GaugeName("calls_in_downstream")

    static let seed = "002_af3d1f900fda35a4.txt"
    static let sequentialRow = "concurrency-regimes/sequential"
    static let definition = ScenarioDescription(
        name: "concurrency-regimes",
        summary:
            "Sequential vs bounded k vs unbounded (Promise.all) over the same jobs against a downstream with a concurrency limit",
        seeds: [seed],
        parameters: [jobs, jobBytes, callTime, downstreamLimit, regime, concurrency],
        scale: jobs,
        gauges: [jobsInFlight, waitingForDownstream, callsInDownstream],
        claims: [
            // The seed: ~30 s sequential vs ~340 ms bounded (88×) — here k = the pool's 100.
            SeedClaim(
                "bounded k is about k × the sequential throughput up to the downstream's limit (≥ 0.5 k)", seed: seed,
                check: .throughputRatio(scenario: sequentialRow, min: 50, max: 110)),
            SeedClaim(
                "bounded concurrency never has more than k jobs in flight", seed: seed,
                check: .gauge(jobsInFlight, atMost: concurrency)),
            SeedClaim("bounded concurrency keeps memory predictable (bounded)", seed: seed, check: .memoryBounded),
        ],
        variants: [
            // Sequential needs call_time per job: 50 jobs at ×1 (a quarter second) measure its rate.
            ScenarioVariant(
                "sequential", summary: "for … await: one job at a time",
                parameters: ["regime": "sequential", "items": "50"],
                claims: [SeedClaim("sequential is safe: memory bounded", seed: seed, check: .memoryBounded)]),
            ScenarioVariant(
                "unbounded", summary: "one task per job, all started at once (Promise.all(ids.map(fn)))",
                parameters: ["regime": "unbounded"],
                claims: [
                    SeedClaim(
                        "unbounded is no faster than bounded past the downstream's limit (≤ 1.2×)", seed: seed,
                        check: .throughputRatio(scenario: "concurrency-regimes", min: 0, max: 1.2)),
                    SeedClaim("unbounded memory grows with the number of jobs", seed: seed, check: .memoryGrows),
                ]),
        ],
        pattern: "concurrency-regimes")

    /// The downstream (a pool of `downstream_limit` slots) and the jobs' shared counters.
    final class Downstream: Sendable {
        struct State {
            var checksum = Checksum(ordered: false)
            var inFlight = 0, waiting = 0, inPool = 0
        }
        let pool: AsyncSemaphore
        let state = Mutex(State())
        /// The bounded regime's next job index.
        let nextJob = Atomic<Int>(0)
        let context: ScenarioContext
        let callNanoseconds: UInt64, payloadBytes: Int

        init(_ context: ScenarioContext) {
            self.context = context
            pool = AsyncSemaphore(permits: context[downstreamLimit])
            callNanoseconds = UInt64(context[callTime] * 1e9)
            payloadBytes = context[jobBytes]
        }

        private func update(_ change: (inout State) -> Void) {
            state.withLock { state in
                change(&state)
                context[jobsInFlight].set(state.inFlight)
                context[waitingForDownstream].set(state.waiting)
                context[callsInDownstream].set(state.inPool)
            }
        }

        /// One job: its payload exists from here to the end; it waits for a slot, calls, checks.
        func job(_ index: Int) async throws {
            let payload = ItemCodec.makeItem(sequence: UInt64(index), itemBytes: payloadBytes, stamped: true)
            update {
                $0.inFlight += 1
                $0.waiting += 1
            }
            await pool.acquire()
            update {
                $0.waiting -= 1
                $0.inPool += 1
            }
            do {
                try await Task.sleep(nanoseconds: callNanoseconds)
            } catch {
                pool.release()
                throw error
            }
            pool.release()
            let hash = payload.withUnsafeBytes { ItemCodec.hash($0) }
            payload.withUnsafeBytes { context.latency.recordSince(ItemCodec.timestamp(of: $0)) }
            context.addProgress(items: 1, bytes: payload.count)
            update {
                $0.inPool -= 1
                $0.inFlight -= 1
                $0.checksum.add(itemHash: hash)
            }
        }
    }

    /// The checksum the jobs must reach, computed before the timed run (ItemCodec memoizes it):
    /// at the end of `run` it hashed every 8 KiB payload once more inside the clock, which the
    /// bounded and unbounded rows paid (160 MiB at ×4) and the 200-job sequential row hardly did.
    static func prepare(_ context: ScenarioContext) async throws {
        _ = ItemCodec.expectedChecksum(items: context[jobs], itemBytes: context[jobBytes], ordered: false)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let total = context[jobs]
        let downstream = Downstream(context)
        switch context[regime] {
        case "sequential":
            for index in 0..<total { try await downstream.job(index) }
        case "unbounded":
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<total { group.addTask { try await downstream.job(index) } }
                try await group.waitForAll()
            }
        default:
            // k workers, each taking the next job index as it finishes one.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<min(context[concurrency], total) {
                    group.addTask {
                        while true {
                            let index = downstream.nextJob.add(1, ordering: .relaxed).oldValue
                            guard index < total else { return }
                            try await downstream.job(index)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let checksum = downstream.state.withLock { $0.checksum }
        return VerificationReport.compare(
            expected: ItemCodec.expectedChecksum(items: total, itemBytes: context[jobBytes], ordered: false),
            received: checksum)
    }
}
