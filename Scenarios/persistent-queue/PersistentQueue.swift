import Foundation
import ScenarioKit
import Synchronization

/// Persistent queue (Bull on Redis in the seed; SQLite through its C API here): an unthrottled
/// producer appends events to a disk-backed queue, slower consumers claim, process and
/// acknowledge them. The backlog grows on disk, not in memory, and survives `kill -9`.
///
/// The run has two phases. While the producer runs, consumers are held to `consumer_rate`
/// (events/s, all consumers together), so the backlog grows at nearly the producer's speed.
/// Once the producer has committed its last event, consumers drop the throttle and drain the
/// backlog as fast as SQLite lets them, which keeps the quick profile short.
@main
struct PersistentQueue: Scenario {
    static let items = Param<Int>.items(default: "15k", quick: "5k", stress: "500k")
    static let itemBytes = Param<Int>.itemBytes(default: "1KiB")
    static let batch = Param<Int>.count(
        "batch", default: "100", min: 1, max: 1_000_000, help: "events per producer transaction")
    static let consumers = Param<Int>.count(
        "consumers", default: "2", min: 1, max: 256, help: "concurrent consumer tasks")
    static let producerRate = Param<Int>.count(
        "producer_rate", default: "0", profiles: ["quick": "10000"], min: 0,
        help:
            "events/s the producer may commit (0 = as fast as SQLite takes them); quick uses the seed's 10,000/s so its throughput is set by the code, not the disk"
    )
    static let consumerRate = Param<Int>.count(
        "consumer_rate", default: "2000", min: 0,
        help:
            "events/s all consumers together may process while the producer runs (0 = unthrottled); the backlog left when it finishes is drained unthrottled"
    )
    static let claimBatch = Param<Int>.count(
        "claim_batch", default: "50", min: 1, max: 1_000_000, help: "ready rows a consumer claims per transaction")
    static let synchronous = Param<String>.choice(
        "synchronous", ["off", "normal", "full"], default: "normal",
        help:
            "SQLite PRAGMA synchronous on the writer: off = no fsync, normal = fsync at WAL checkpoints, full = fsync every commit"
    )
    static let queueFile = Param<String>.text(
        "queue_file", default: "",
        help:
            "queue database path (sqlite) or cluster directory (postgres) to create or resume and keep (\"\" = a fresh one, deleted at the end)"
    )
    static let backend = Param<String>.choice(
        "backend", ["sqlite", "postgres"], default: "sqlite",
        help:
            "sqlite: one file, consumers are tasks in this process; postgres: a cluster this run starts, consumers are worker processes"
    )
    static let workers = Param<Int>.count(
        "workers", default: "2", min: 1, max: 32,
        help: "postgres: consumer worker processes, each with its own connection")
    static let synchronousCommit = Param<String>.choice(
        "synchronous_commit", ["on", "off"], default: "on",
        help:
            "postgres: on = a commit returns after its WAL is flushed (fsync); off = up to 3 × wal_writer_delay of commits may be lost in a server crash (never corrupted)"
    )
    static let workerKills = Param<Int>.count(
        "worker_kills", default: "0", min: 0, max: 10_000,
        help:
            "postgres: SIGKILL a random worker this many times at random points of the first half of the items processed; each is restarted"
    )
    static let postgresPort = Param<Int>.count(
        "pg_port", default: "0", min: 0, max: 65535,
        help: "postgres: the loopback port the cluster listens on (0 = a free one)")

    /// The scenario's gauges.
    enum Gauges {
        static let backlogRows = GaugeName("backlog_rows")
        static let backlogBytes = GaugeName("backlog_bytes")
        static let bufferedInMemory = GaugeName("buffered_in_memory")
        static let producerBatchEvents = GaugeName("producer_batch_events")
        static let dbFileBytes = GaugeName("db_file_bytes")
        /// postgres: the most events any one worker holds in its open claim transaction.
        static let inFlightPerWorker = GaugeName("in_flight_per_worker")
    }

    /// The scenario's own figures.
    enum Metrics {
        static let synchronousLevel = MetricName("synchronous_level")
        static let requeued = MetricName("requeued")
        static let eventsCommitted = MetricName("events_committed")
        static let eventsProcessed = MetricName("events_processed")
        static let duplicates = MetricName("duplicates")
        static let lost = MetricName("lost")
        static let backlogPeakRows = MetricName("backlog_peak_rows")
        static let dbFileBytes = MetricName("db_file_bytes")
        static let runs = MetricName("runs")
        static let runCommitted = MetricName("run_committed")
        static let runProcessed = MetricName("run_processed")
        static let producerDoneS = MetricName("producer_done_s")
        static let drainS = MetricName("drain_s")
        static let producerEventsPerS = MetricName("producer_events_per_s")
        static let consumerEventsPerSWhileProducing = MetricName("consumer_events_per_s_while_producing")
        static let drainEventsPerS = MetricName("drain_events_per_s")
        /// postgres: the largest peak RSS (VmHWM) a worker process reported.
        static let workerPeakRss = MetricName("worker_peak_rss_bytes")
        static let workerRestarts = MetricName("worker_restarts")
        static let workerKillsLanded = MetricName("worker_kills_landed")
    }

    static let definition = ScenarioDescription(
        name: "persistent-queue",
        summary:
            "Disk-backed queue (SQLite WAL): the backlog grows on disk, memory stays flat, events survive kill -9",
        seeds: ["004_34ac7218ce6ecf6d.txt"],
        parameters: [
            items, itemBytes, batch, consumers, producerRate, consumerRate, claimBatch, synchronous, queueFile, backend,
            workers, synchronousCommit, postgresPort, workerKills,
        ],
        scale: items,
        gauges: [
            Gauges.backlogRows, Gauges.backlogBytes, Gauges.bufferedInMemory, Gauges.producerBatchEvents,
            Gauges.dbFileBytes, Gauges.inFlightPerWorker,
        ],
        metrics: [
            Metrics.synchronousLevel, Metrics.requeued, Metrics.eventsCommitted, Metrics.eventsProcessed,
            Metrics.duplicates, Metrics.lost, Metrics.backlogPeakRows, Metrics.dbFileBytes, Metrics.runs,
            Metrics.runCommitted, Metrics.runProcessed, Metrics.producerDoneS, Metrics.drainS,
            Metrics.producerEventsPerS, Metrics.consumerEventsPerSWhileProducing, Metrics.drainEventsPerS,
            Metrics.workerPeakRss, Metrics.workerRestarts, Metrics.workerKillsLanded,
        ],
        durableState: queueFile,
        claims: [
            SeedClaim(
                "the backlog lives on disk, so memory stays flat while the queue grows",
                seed: "004_34ac7218ce6ecf6d.txt", check: .memoryBounded),
            SeedClaim(
                "events survive: every committed event is processed (lost = 0)",
                seed: "004_34ac7218ce6ecf6d.txt", check: .metric(Metrics.lost, equals: 0)),
        ],
        variants: [
            // Bull's shape: the queue in a server, consumers in worker processes of their own.
            ScenarioVariant(
                "postgres",
                summary:
                    "the queue in a PostgreSQL cluster this run starts; 2 worker processes claim with FOR UPDATE SKIP LOCKED",
                parameters: ["backend": "postgres"],
                claims: [
                    SeedClaim(
                        "in a server the backlog leaves every process's memory flat", seed: "004_34ac7218ce6ecf6d.txt",
                        check: .memoryBounded),
                    SeedClaim(
                        "jobs distributed across worker processes survive: lost = 0", seed: "004_34ac7218ce6ecf6d.txt",
                        check: .metric(Metrics.lost, equals: 0)),
                ])
        ])

    /// The worker role of the postgres backend runs this same executable.
    static func main() async {
        if let job = ProcessInfo.processInfo.environment[PostgresWorker.environmentVariable] {
            await PostgresWorker.main(job)
        }
        await runAsScenario()
    }

    /// Computes the expected checksum before the timed run (ItemCodec memoizes it).
    static func prepare(_ context: ScenarioContext) async throws {
        _ = ItemCodec.expectedChecksum(items: context[items], itemBytes: context[itemBytes], ordered: false)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let settings = Settings(context)
        if settings.backend == "postgres" { return try await PostgresQueue.run(context, settings: settings) }
        let keepFile = !settings.queueFile.isEmpty
        let path = keepFile ? settings.queueFile : context.workDirectory + "/persistent-queue.sqlite"
        if !keepFile { QueueStore.remove(path: path) }

        let store = try await QueueStore(path: path, synchronous: settings.synchronous)
        let resume = try await store.resume(itemBytes: settings.itemBytes)
        guard resume.nextSequence <= settings.items else {
            throw QueueFileError(
                "the queue file already holds \(resume.nextSequence) events, more than items=\(settings.items)")
        }
        if resume.run > 1 {
            context.log(
                "persistent-queue: resuming \(path) (run \(resume.run)): producer continues at \(resume.nextSequence), "
                    + "backlog \(resume.backlogRows) rows, \(resume.requeued) claimed rows requeued, \(resume.processedSequences) sequences already processed"
            )
        }
        context.set(Metrics.synchronousLevel, Double(try await store.synchronousInForce()))
        context.set(Metrics.requeued, Double(resume.requeued))

        let shared = Shared(
            store: store, context: context, settings: settings, run: resume.run, producerDone: Flag(),
            backlogRows: context[Gauges.backlogRows], backlogBytes: context[Gauges.backlogBytes],
            buffered: context[Gauges.bufferedInMemory], producerBatch: context[Gauges.producerBatchEvents],
            fileBytes: context[Gauges.dbFileBytes])
        shared.backlogRows.set(resume.backlogRows)
        shared.backlogBytes.set(resume.backlogRows * settings.itemBytes)
        shared.fileBytes.set(store.fileBytes())

        // The file only grows while the backlog does, so polling its size catches the peak.
        let monitor = Task {
            while !Task.isCancelled {
                shared.fileBytes.set(store.fileBytes())
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let tally: Tally
        do {
            tally = try await withThrowingTaskGroup(of: Tally.self) { group in
                group.addTask { try await produce(shared, from: resume.nextSequence, started: started) }
                for _ in 0..<settings.consumers {
                    group.addTask { try await consume(shared) }
                }
                var total = Tally()
                for try await part in group { total.merge(part) }
                return total
            }
        } catch {
            monitor.cancel()
            try? await store.close()
            throw error
        }
        monitor.cancel()
        shared.fileBytes.set(store.fileBytes())
        let drainSeconds = (clock.now - started).seconds - tally.producerSeconds

        let summary = try await store.summarize(items: settings.items)
        try await store.close()
        if !keepFile { QueueStore.remove(path: path) }

        let lost = settings.items - (summary.distinct - summary.beyondItems)
        context.set(Metrics.eventsCommitted, Double(summary.committed))
        context.set(Metrics.eventsProcessed, Double(summary.processed))
        context.set(Metrics.duplicates, Double(summary.processed - summary.distinct))
        context.set(Metrics.lost, Double(lost))
        context.set(Metrics.backlogPeakRows, Double(shared.backlogRows.maximum))
        context.set(Metrics.dbFileBytes, Double(shared.fileBytes.maximum))
        context.set(Metrics.runs, Double(summary.runs))
        context.set(Metrics.runCommitted, Double(tally.committed))
        context.set(Metrics.runProcessed, Double(tally.processed))
        context.set(Metrics.producerDoneS, tally.producerSeconds)
        context.set(Metrics.drainS, drainSeconds)
        if tally.producerSeconds > 0 {
            context.set(Metrics.producerEventsPerS, Double(tally.committed) / tally.producerSeconds)
            context.set(
                Metrics.consumerEventsPerSWhileProducing, Double(tally.processedWhileProducing) / tally.producerSeconds)
        }
        if drainSeconds > 0 {
            context.set(Metrics.drainEventsPerS, Double(tally.processed - tally.processedWhileProducing) / drainSeconds)
        }

        return verify(
            settings, checksum: summary.checksum, lost: lost, backlogRows: summary.backlogRows,
            beyondItems: summary.beyondItems, malformed: tally.malformed)
    }

    /// Both backends' verdict on a drained queue: every committed event processed (the
    /// order-free checksum of each sequence's first processing), none left, none invented.
    static func verify(
        _ settings: Settings, checksum: Checksum, lost: Int, backlogRows: Int, beyondItems: Int, malformed: Int
    ) -> VerificationReport {
        let expected = ItemCodec.expectedChecksum(items: settings.items, itemBytes: settings.itemBytes, ordered: false)
        var report = VerificationReport.compare(expected: expected, received: checksum)
        if lost > 0 { report.problems.append("\(lost) events were never processed") }
        if backlogRows > 0 { report.problems.append("\(backlogRows) events are still in the queue") }
        if beyondItems > 0 {
            report.problems.append("\(beyondItems) processed events lie beyond items=\(settings.items)")
        }
        if malformed > 0 {
            report.problems.append("\(malformed) events came back with the wrong size or sequence number")
        }
        return report
    }

    /// Commits events `first..<items` in transactions of `batch`, as fast as SQLite takes them.
    /// A batch is held in memory until its commit returns (that is the producer's buffer).
    static func produce(_ shared: Shared, from first: Int, started: ContinuousClock.Instant) async throws -> Tally {
        let settings = shared.settings
        var tally = Tally()
        var next = first
        let clock = ContinuousClock()
        let paceStart = clock.now
        while next < settings.items {
            try Task.checkCancellation()
            let count = min(settings.batch, settings.items - next)
            if settings.producerRate > 0 {
                // Paced per batch: the batch is due when the events before it would have been made.
                let due = paceStart + .seconds(Double(next - first) / Double(settings.producerRate))
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
            var events: [[UInt8]] = []
            events.reserveCapacity(count)
            for sequence in next..<(next + count) {
                var event = ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: settings.itemBytes)
                // Enqueue time travels in the payload's timestamp slot, which the hash skips.
                event.withUnsafeMutableBytes { ItemCodec.stamp($0) }
                events.append(event)
                shared.buffered.add(1)
            }
            shared.producerBatch.set(count)
            try await shared.store.append(events, firstSequence: next, run: shared.run)
            shared.producerBatch.set(0)
            shared.buffered.add(-count)
            shared.backlogRows.add(count)
            shared.backlogBytes.add(count * settings.itemBytes)
            tally.committed += count
            next += count
        }
        tally.producerSeconds = (ContinuousClock.now - started).seconds
        shared.producerDone.set()
        return tally
    }

    /// One consumer: claim a batch (one transaction), process each event outside any
    /// transaction, record the processing (second transaction), acknowledge (third).
    static func consume(_ shared: Shared) async throws -> Tally {
        let settings = shared.settings
        let context = shared.context
        var tally = Tally()
        // The throttle is shared out evenly; each consumer keeps its own schedule.
        let perConsumerRate = Double(settings.consumerRate) / Double(settings.consumers)
        let clock = ContinuousClock()
        let paceStart = clock.now
        var paced = 0
        while true {
            if perConsumerRate > 0, paced > 0, !shared.producerDone.isSet {
                let due = paceStart + .seconds(Double(paced) / perConsumerRate)
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
            // Read before claiming: if the producer had finished before an empty claim, nothing
            // can become ready any more and this consumer is done.
            let producerWasDone = shared.producerDone.isSet
            let batch = try await shared.store.claim(limit: settings.claimBatch)
            let count = batch.sequences.count
            if count == 0 {
                if producerWasDone { return tally }
                try await Task.sleep(for: .milliseconds(1))
                continue
            }
            shared.buffered.add(count)
            var hashes: [UInt64] = []
            hashes.reserveCapacity(count)
            batch.payloads.withUnsafeBytes { payloads in
                var start = 0
                for index in 0..<count {
                    let event = UnsafeRawBufferPointer(rebasing: payloads[start..<batch.ends[index]])
                    start = batch.ends[index]
                    let sequence = batch.sequences[index]
                    if event.count != settings.itemBytes || ItemCodec.sequence(of: event) != UInt64(sequence) {
                        tally.malformed += 1
                    }
                    hashes.append(event.count >= ItemCodec.headerBytes ? ItemCodec.hash(event) : 0)
                    // A stamp from an earlier process is another process's clock reading.
                    if batch.runs[index] == shared.run, event.count >= ItemCodec.headerBytes {
                        let stamp = ItemCodec.timestamp(of: event)
                        if stamp != 0 { context.latency.recordSince(stamp) }
                    }
                }
            }
            shared.buffered.add(-count)
            let firstTime = try await shared.store.recordProcessed(batch.sequences, hashes: hashes)
            try await shared.store.acknowledge(batch.sequences)
            shared.backlogRows.add(-count)
            shared.backlogBytes.add(-count * settings.itemBytes)
            context.addProgress(items: firstTime, bytes: firstTime * settings.itemBytes)
            tally.processed += count
            if !producerWasDone {
                paced += count
                tally.processedWhileProducing += count
            }
        }
    }
}

/// The parameters, read once and typed.
struct Settings: Sendable {
    let items: Int
    let itemBytes: Int
    let batch: Int
    let consumers: Int
    let producerRate: Int
    let consumerRate: Int
    let claimBatch: Int
    let synchronous: String
    let queueFile: String
    let backend: String
    let workers: Int
    let synchronousCommit: String
    let postgresPort: Int
    let workerKills: Int

    init(_ context: ScenarioContext) {
        typealias Q = PersistentQueue
        items = context[Q.items]
        itemBytes = context[Q.itemBytes]
        batch = context[Q.batch]
        consumers = context[Q.consumers]
        producerRate = context[Q.producerRate]
        consumerRate = context[Q.consumerRate]
        claimBatch = context[Q.claimBatch]
        synchronous = context[Q.synchronous]
        queueFile = context[Q.queueFile]
        backend = context[Q.backend]
        workers = context[Q.workers]
        synchronousCommit = context[Q.synchronousCommit]
        postgresPort = context[Q.postgresPort]
        workerKills = context[Q.workerKills]
    }
}

/// What the producer and consumer tasks share; every member is Sendable, so each task holds a copy.
struct Shared: Sendable {
    let store: QueueStore
    let context: ScenarioContext
    let settings: Settings
    /// This process's run number in the file (tells this run's latency stamps from older ones).
    let run: Int64
    let producerDone: Flag
    let backlogRows: Gauge
    let backlogBytes: Gauge
    let buffered: Gauge
    /// Events the producer holds in memory until its transaction commits: exactly `batch` at
    /// most, whatever the machine (buffered_in_memory adds the consumers' claims, whose overlap
    /// with a producer batch is a matter of timing).
    let producerBatch: Gauge
    let fileBytes: Gauge
}

/// A one-way flag: set once by the producer after its last commit, read by consumers.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// What one task did in this run; the tasks' tallies are summed at the end.
struct Tally: Sendable {
    var committed = 0
    var producerSeconds = 0.0
    /// Processings in this run, including redeliveries of events an earlier run had processed.
    var processed = 0
    var processedWhileProducing = 0
    var malformed = 0

    mutating func merge(_ other: Tally) {
        committed += other.committed
        producerSeconds = max(producerSeconds, other.producerSeconds)
        processed += other.processed
        processedWhileProducing += other.processedWhileProducing
        malformed += other.malformed
    }
}

extension Duration {
    /// The duration in seconds, as a real number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
