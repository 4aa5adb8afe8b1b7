import Foundation
import Logging
import NIOCore
import PostgresNIO
import ScenarioKit

/// The queue's tables in PostgreSQL and every statement the producer, the workers and the
/// coordinator run, through one `PostgresConnection` each (postgres-nio).
///
/// - `queue(seq, run, payload)`: the backlog. A worker claims rows with
///   `SELECT … ORDER BY seq LIMIT n FOR UPDATE SKIP LOCKED` inside a transaction, processes them,
///   records them in `processed` and deletes them, then commits. The row locks are the claim: a
///   worker killed mid-batch has its transaction rolled back by the server and the rows become
///   visible to the next claim — no lease, no requeue pass — and SKIP LOCKED lets the other
///   workers claim past them instead of waiting behind them.
/// - `processed(seq, hash, run, worker, latency_us)`: one row per processing (no key, so a
///   second processing of a sequence would show as a duplicate), what `lost`, `duplicates` and
///   the checksum are computed from, across restarts.
/// - `meta`: `next_seq` (the producer's resume point, written in the batch's transaction),
///   `runs`, `producer_done`.
struct PostgresStore: Sendable {
    let connection: PostgresConnection
    static let logger = Logger(label: "persistent-queue.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    var logger: Logger { Self.logger }

    static func configuration(port: Int) -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: "127.0.0.1", port: port, username: "bpbench", password: nil, database: "postgres", tls: .disable)
    }

    static func connect(port: Int, id: Int) async throws -> PostgresStore {
        PostgresStore(connection: try await PostgresConnection.connect(configuration: configuration(port: port), id: id, logger: logger))
    }

    func close() async { try? await connection.close() }

    /// Creates the tables once and counts this run; returns (run, next sequence to produce).
    func begin(items: Int) async throws -> (run: Int, nextSequence: Int) {
        try await connection.query("CREATE TABLE IF NOT EXISTS queue (seq bigint PRIMARY KEY, run int NOT NULL, payload bytea NOT NULL)", logger: logger)
        try await connection.query("CREATE TABLE IF NOT EXISTS processed (seq bigint NOT NULL, hash bigint NOT NULL, run int NOT NULL, worker int NOT NULL, latency_us bigint NOT NULL)", logger: logger)
        try await connection.query("CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value bigint NOT NULL)", logger: logger)
        try await connection.query("INSERT INTO meta VALUES ('next_seq', 0), ('runs', 0), ('producer_done', 0) ON CONFLICT DO NOTHING", logger: logger)
        let run = try await single("UPDATE meta SET value = value + 1 WHERE key = 'runs' RETURNING value")
        let next = try await single("SELECT value FROM meta WHERE key = 'next_seq'")
        try await connection.query("UPDATE meta SET value = \(next >= items ? 1 : 0) WHERE key = 'producer_done'", logger: logger)
        return (run, next)
    }

    func single(_ query: PostgresQuery) async throws -> Int {
        for try await value in try await connection.query(query, logger: logger).decode(Int64.self) { return Int(value) }
        throw PostgresCluster.Failure("no row from \(query.sql)")
    }

    /// `SHOW name`.
    func setting(_ name: String) async throws -> String {
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: "SHOW \(name)"), logger: logger).decode(String.self) { return value }
        return ""
    }

    /// One producer batch: the events and the new resume point, in one transaction.
    func append(_ events: [[UInt8]], firstSequence: Int, run: Int) async throws {
        let sequences = (0..<events.count).map { Int64(firstSequence + $0) }
        let runs = [Int32](repeating: Int32(run), count: events.count)
        let payloads = events.map { ByteBuffer(bytes: $0) }
        let next = Int64(firstSequence + events.count)
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("INSERT INTO queue (seq, run, payload) SELECT * FROM unnest(\(sequences)::bigint[], \(runs)::int[], \(payloads)::bytea[])", logger: logger)
            try await connection.query("UPDATE meta SET value = \(next) WHERE key = 'next_seq'", logger: logger)
        }
    }

    func markProducerDone() async throws {
        try await connection.query("UPDATE meta SET value = 1 WHERE key = 'producer_done'", logger: logger)
    }

    /// Rows and payload bytes waiting (claimed ones included: they leave at their commit).
    func backlog() async throws -> (rows: Int, bytes: Int) {
        let rows = try await connection.query("SELECT count(*)::bigint, coalesce(sum(octet_length(payload)), 0)::bigint FROM queue", logger: logger)
        for try await (count, bytes) in rows.decode((Int64, Int64).self) { return (Int(count), Int(bytes)) }
        return (0, 0)
    }

    /// What a worker did with one claimed batch.
    struct Claimed: Sendable {
        var count = 0
        var malformed = 0
        var producerWasDone = false
    }

    /// A worker's transaction: read `producer_done`, claim up to `limit` rows past the locked
    /// ones, check and hash each (`inFlight` is told how many it holds), record, delete, commit.
    func claimAndProcess(limit: Int, itemBytes: Int, worker: Int, run: Int, inFlight: @Sendable (Int) -> Void) async throws -> Claimed {
        try await connection.withTransaction(logger: logger) { connection in
            var claimed = Claimed()
            for try await done in try await connection.query("SELECT value FROM meta WHERE key = 'producer_done'", logger: logger).decode(Int64.self) {
                claimed.producerWasDone = done == 1
            }
            var sequences: [Int64] = [], hashes: [Int64] = [], latencies: [Int64] = []
            let rows = try await connection.query("SELECT seq, run, payload FROM queue ORDER BY seq LIMIT \(limit) FOR UPDATE SKIP LOCKED", logger: logger)
            for try await (sequence, eventRun, payload) in rows.decode((Int64, Int32, ByteBuffer).self) {
                sequences.append(sequence)
                let (hash, latency, intact) = payload.withUnsafeReadableBytes { event -> (UInt64, Int64, Bool) in
                    let intact = event.count == itemBytes && event.count >= ItemCodec.headerBytes && ItemCodec.sequence(of: event) == UInt64(sequence)
                    guard event.count >= ItemCodec.headerBytes else { return (0, -1, false) }
                    // A stamp from an earlier run is another process's clock reading.
                    let stamp = ItemCodec.timestamp(of: event), now = MonotonicClock.nanoseconds()
                    let latency = Int(eventRun) == run && stamp != 0 && now >= stamp ? Int64((now - stamp) / 1000) : -1
                    return (ItemCodec.hash(event), latency, intact)
                }
                if !intact { claimed.malformed += 1 }
                hashes.append(Int64(bitPattern: hash))
                latencies.append(latency)
            }
            claimed.count = sequences.count
            guard !sequences.isEmpty else { return claimed }
            inFlight(sequences.count)
            let workers = [Int32](repeating: Int32(worker), count: sequences.count)
            let runs = [Int32](repeating: Int32(run), count: sequences.count)
            try await connection.query("INSERT INTO processed SELECT * FROM unnest(\(sequences)::bigint[], \(hashes)::bigint[], \(runs)::int[], \(workers)::int[], \(latencies)::bigint[])", logger: logger)
            try await connection.query("DELETE FROM queue WHERE seq = ANY(\(sequences))", logger: logger)
            return claimed
        }
    }

    /// Everything the verification needs, across every run of the queue.
    struct Summary: Sendable {
        var processed = 0, distinct = 0, beyondItems = 0, backlogRows = 0, committed = 0
        var checksum = Checksum(ordered: false)
        /// This run's latencies, µs.
        var latencies: [Int64] = []
    }

    func summarize(items: Int, run: Int) async throws -> Summary {
        var summary = Summary()
        for try await (processed, distinct, beyond) in try await connection.query(
            "SELECT count(*)::bigint, count(DISTINCT seq)::bigint, count(DISTINCT seq) FILTER (WHERE seq >= \(items))::bigint FROM processed", logger: logger
        ).decode((Int64, Int64, Int64).self) {
            (summary.processed, summary.distinct, summary.beyondItems) = (Int(processed), Int(distinct), Int(beyond))
        }
        summary.backlogRows = try await backlog().rows
        summary.committed = try await single("SELECT value FROM meta WHERE key = 'next_seq'")
        // The first processing of each sequence counts once in the checksum.
        for try await hash in try await connection.query("SELECT DISTINCT ON (seq) hash FROM processed WHERE seq < \(items) ORDER BY seq", logger: logger).decode(Int64.self) {
            summary.checksum.add(itemHash: UInt64(bitPattern: hash))
        }
        for try await latency in try await connection.query("SELECT latency_us FROM processed WHERE run = \(run) AND latency_us >= 0", logger: logger).decode(Int64.self) {
            summary.latencies.append(latency)
        }
        return summary
    }
}
