import Foundation
import GRDB
import ScenarioKit
import Synchronization

/// Persistent queue (Bull on Redis in the seed; SQLite through GRDB here): an unthrottled
/// producer appends events to a disk-backed queue, slower consumers claim, process and
/// acknowledge them. The backlog grows on disk, not in memory, and survives `kill -9`.
///
/// The run has two phases. While the producer runs, consumers are held to `consumer_rate`
/// (events/s, all consumers together), so the backlog grows at nearly the producer's speed.
/// Once the producer has committed its last event, consumers drop the throttle and drain the
/// backlog as fast as SQLite lets them, which keeps the quick profile short.
@main
struct PersistentQueue: Scenario {
    static let definition = ScenarioDescription(
        name: "persistent-queue",
        summary: "Disk-backed queue (SQLite WAL via GRDB): the backlog grows on disk, memory stays flat, events survive kill -9",
        seeds: ["004_34ac7218ce6ecf6d.txt"],
        parameters: [
            .items(default: "50k", quick: "5k", stress: "500k"),
            .itemBytes(default: "1KiB"),
            ParameterSpec("batch", .count, default: "100", min: 1, max: 1_000_000,
                          help: "events per producer transaction"),
            ParameterSpec("consumers", .count, default: "2", min: 1, max: 256,
                          help: "concurrent consumer tasks"),
            ParameterSpec("producer_rate", .count, default: "0", profiles: ["quick": "10000"], min: 0,
                          help: "events/s the producer may commit (0 = as fast as SQLite takes them); quick uses the seed's 10,000/s so its throughput is set by the code, not the disk"),
            ParameterSpec("consumer_rate", .count, default: "2000", min: 0,
                          help: "events/s all consumers together may process while the producer runs (0 = unthrottled); the backlog left when it finishes is drained unthrottled"),
            ParameterSpec("claim_batch", .count, default: "50", min: 1, max: 1_000_000,
                          help: "ready rows a consumer claims per transaction"),
            ParameterSpec("synchronous", .choice, default: "normal", choices: ["off", "normal", "full"],
                          help: "SQLite PRAGMA synchronous on the writer: off = no fsync, normal = fsync at WAL checkpoints, full = fsync every commit"),
            ParameterSpec("queue_file", .text, default: "",
                          help: "queue database path to create or resume and keep (\"\" = a fresh file in the work directory, deleted at the end)"),
        ],
        scaleParameter: "items",
        claims: [
            SeedClaim("the backlog lives on disk, so memory stays flat while the queue grows",
                      seed: "004_34ac7218ce6ecf6d.txt", check: .memoryBounded),
            SeedClaim("events survive: every committed event is processed (lost = 0)",
                      seed: "004_34ac7218ce6ecf6d.txt", check: .metricEquals(metric: "lost", value: 0)),
        ])

    /// Computes the expected checksum before the timed run (ItemCodec memoizes it).
    static func prepare(_ context: ScenarioContext) async throws {
        _ = ItemCodec.expectedChecksum(items: context.parameters.count("items"), itemBytes: context.parameters.bytes("item_bytes"), ordered: false)
    }

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let settings = Settings(context.parameters)
        let keepFile = !settings.queueFile.isEmpty
        let path = keepFile ? settings.queueFile : context.workDirectory + "/persistent-queue.sqlite"
        if !keepFile { QueueStore.remove(path: path) }

        let store = try await QueueStore(path: path, synchronous: settings.synchronous)
        let resume = try await store.resume(itemBytes: settings.itemBytes)
        guard resume.nextSequence <= settings.items else {
            throw QueueFileError("the queue file already holds \(resume.nextSequence) events, more than items=\(settings.items)")
        }
        if resume.run > 1 {
            context.log("persistent-queue: resuming \(path) (run \(resume.run)): producer continues at \(resume.nextSequence), "
                + "backlog \(resume.backlogRows) rows, \(resume.requeued) claimed rows requeued, \(resume.processedSequences) sequences already processed")
        }
        context.setMetric("synchronous_level", Double(try await store.synchronousInForce()))
        context.setMetric("requeued", Double(resume.requeued))

        let shared = Shared(
            store: store, context: context, settings: settings, run: resume.run, producerDone: Flag(),
            backlogRows: context.gauge("backlog_rows"), backlogBytes: context.gauge("backlog_bytes"),
            buffered: context.gauge("buffered_in_memory"), producerBatch: context.gauge("producer_batch_events"),
            fileBytes: context.gauge("db_file_bytes"))
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
            try? store.close()
            throw error
        }
        monitor.cancel()
        shared.fileBytes.set(store.fileBytes())
        let drainSeconds = (clock.now - started).seconds - tally.producerSeconds

        let summary = try await store.summarize(items: settings.items)
        try store.close()
        if !keepFile { QueueStore.remove(path: path) }

        let lost = settings.items - (summary.distinct - summary.beyondItems)
        context.setMetric("events_committed", Double(summary.committed))
        context.setMetric("events_processed", Double(summary.processed))
        context.setMetric("duplicates", Double(summary.processed - summary.distinct))
        context.setMetric("lost", Double(lost))
        context.setMetric("backlog_peak_rows", Double(shared.backlogRows.maximum))
        context.setMetric("db_file_bytes", Double(shared.fileBytes.maximum))
        context.setMetric("runs", Double(summary.runs))
        context.setMetric("run_committed", Double(tally.committed))
        context.setMetric("run_processed", Double(tally.processed))
        context.setMetric("producer_done_s", tally.producerSeconds)
        context.setMetric("drain_s", drainSeconds)
        if tally.producerSeconds > 0 {
            context.setMetric("producer_events_per_s", Double(tally.committed) / tally.producerSeconds)
            context.setMetric("consumer_events_per_s_while_producing", Double(tally.processedWhileProducing) / tally.producerSeconds)
        }
        if drainSeconds > 0 {
            context.setMetric("drain_events_per_s", Double(tally.processed - tally.processedWhileProducing) / drainSeconds)
        }

        let expected = ItemCodec.expectedChecksum(items: settings.items, itemBytes: settings.itemBytes, ordered: false)
        var report = VerificationReport.compare(expected: expected, received: summary.checksum)
        if lost > 0 { report.problems.append("\(lost) events were never processed") }
        if summary.backlogRows > 0 { report.problems.append("\(summary.backlogRows) events are still in the queue") }
        if summary.beyondItems > 0 { report.problems.append("\(summary.beyondItems) processed events lie beyond items=\(settings.items)") }
        if tally.malformed > 0 { report.problems.append("\(tally.malformed) events came back with the wrong size or sequence number") }
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

    init(_ parameters: Parameters) {
        items = parameters.count("items")
        itemBytes = parameters.bytes("item_bytes")
        batch = parameters.count("batch")
        consumers = parameters.count("consumers")
        producerRate = parameters.count("producer_rate")
        consumerRate = parameters.count("consumer_rate")
        claimBatch = parameters.count("claim_batch")
        synchronous = parameters.text("synchronous")
        queueFile = parameters.text("queue_file")
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
