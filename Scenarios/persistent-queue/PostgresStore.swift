import Foundation
import ScenarioKit

/// The queue's tables in PostgreSQL and every statement the producer, the workers and the
/// coordinator run, through one libpq connection each (`PQConnection`).
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
    let connection: PQConnection

    /// `id` names the connection for the server (`application_name` persistent-queue-<id>).
    static func connect(port: Int, id: Int) async throws -> PostgresStore {
        PostgresStore(
            connection: try await PQConnection.connect(
                host: "127.0.0.1", port: port, user: "bpbench", database: "postgres",
                name: "persistent-queue-\(id)"))
    }

    func close() async { await connection.close() }

    /// Creates the tables once and counts this run; returns (run, next sequence to produce).
    func begin(items: Int) async throws -> (run: Int, nextSequence: Int) {
        try await connection.run { session in
            try session.execute(
                "CREATE TABLE IF NOT EXISTS queue (seq bigint PRIMARY KEY, run int NOT NULL, payload bytea NOT NULL)")
            try session.execute(
                "CREATE TABLE IF NOT EXISTS processed (seq bigint NOT NULL, hash bigint NOT NULL, run int NOT NULL, worker int NOT NULL, latency_us bigint NOT NULL)"
            )
            try session.execute("CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value bigint NOT NULL)")
            try session.execute(
                "INSERT INTO meta VALUES ('next_seq', 0), ('runs', 0), ('producer_done', 0) ON CONFLICT DO NOTHING")
            let run = try session.execute("UPDATE meta SET value = value + 1 WHERE key = 'runs' RETURNING value").int64(
                0, 0)
            let next = try session.execute("SELECT value FROM meta WHERE key = 'next_seq'").int64(0, 0)
            try session.execute(
                "UPDATE meta SET value = $1 WHERE key = 'producer_done'", [.int64(next >= items ? 1 : 0)])
            return (Int(run), Int(next))
        }
    }

    /// `SHOW name`.
    func setting(_ name: String) async throws -> String {
        try await connection.query("SHOW \(name)").string(0, 0)
    }

    /// One producer batch: the events and the new resume point, in one transaction.
    func append(_ events: [[UInt8]], firstSequence: Int, run: Int) async throws {
        let sequences = PQParameter.int64Array((0..<events.count).map { Int64(firstSequence + $0) })
        let runs = PQParameter.int32Array([Int32](repeating: Int32(run), count: events.count))
        let payloads = PQParameter.byteaArray(events)
        let next = Int64(firstSequence + events.count)
        try await connection.transaction { session in
            try session.execute(
                "INSERT INTO queue (seq, run, payload) SELECT * FROM unnest($1::bigint[], $2::int[], $3::bytea[])",
                [sequences, runs, payloads])
            try session.execute("UPDATE meta SET value = $1 WHERE key = 'next_seq'", [.int64(next)])
        }
    }

    func markProducerDone() async throws {
        try await connection.query("UPDATE meta SET value = 1 WHERE key = 'producer_done'")
    }

    /// Rows and payload bytes waiting (claimed ones included: they leave at their commit).
    func backlog() async throws -> (rows: Int, bytes: Int) {
        try await connection.run(Self.backlog)
    }

    private static func backlog(_ session: PQSession) throws -> (rows: Int, bytes: Int) {
        let result = try session.execute(
            "SELECT count(*)::bigint, coalesce(sum(octet_length(payload)), 0)::bigint FROM queue")
        return (Int(try result.int64(0, 0)), Int(try result.int64(0, 1)))
    }

    /// What a worker did with one claimed batch.
    struct Claimed: Sendable {
        var count = 0
        var malformed = 0
        var producerWasDone = false
    }

    /// A worker's transaction: read `producer_done`, claim up to `limit` rows past the locked
    /// ones, check and hash each in place (`inFlight` is told how many it holds), record, delete,
    /// commit.
    func claimAndProcess(
        limit: Int, itemBytes: Int, worker: Int, run: Int, inFlight: @escaping @Sendable (Int) -> Void
    ) async throws -> Claimed {
        try await connection.transaction { session in
            var claimed = Claimed()
            let done = try session.execute("SELECT value FROM meta WHERE key = 'producer_done'")
            claimed.producerWasDone = try done.rows > 0 && done.int64(0, 0) == 1
            var sequences: [Int64] = []
            var hashes: [Int64] = []
            var latencies: [Int64] = []
            let rows = try session.execute(
                "SELECT seq, run, payload FROM queue ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                [.int64(Int64(limit))])
            for row in 0..<rows.rows {
                let sequence = try rows.int64(row, 0)
                let eventRun = try rows.int64(row, 1)
                sequences.append(sequence)
                let (hash, latency, intact) = try rows.withBytes(row, 2) { event -> (UInt64, Int64, Bool) in
                    let intact =
                        event.count == itemBytes && event.count >= ItemCodec.headerBytes
                        && ItemCodec.sequence(of: event) == UInt64(sequence)
                    guard event.count >= ItemCodec.headerBytes else { return (0, -1, false) }
                    // A stamp from an earlier run is another process's clock reading.
                    let stamp = ItemCodec.timestamp(of: event)
                    let now = MonotonicClock.nanoseconds()
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
            try session.execute(
                "INSERT INTO processed SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::int[], $5::bigint[])",
                [
                    .int64Array(sequences), .int64Array(hashes), .int32Array(runs), .int32Array(workers),
                    .int64Array(latencies),
                ])
            try session.execute("DELETE FROM queue WHERE seq = ANY($1::bigint[])", [.int64Array(sequences)])
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
        try await connection.run { session in
            var summary = Summary()
            let counts = try session.execute(
                "SELECT count(*)::bigint, count(DISTINCT seq)::bigint, count(DISTINCT seq) FILTER (WHERE seq >= $1)::bigint FROM processed",
                [.int64(Int64(items))])
            (summary.processed, summary.distinct, summary.beyondItems) = (
                Int(try counts.int64(0, 0)), Int(try counts.int64(0, 1)), Int(try counts.int64(0, 2))
            )
            summary.backlogRows = try Self.backlog(session).rows
            summary.committed = Int(try session.execute("SELECT value FROM meta WHERE key = 'next_seq'").int64(0, 0))
            // The first processing of each sequence counts once in the checksum.
            // Row by row: one row per event (PQSession.forEachRow says why).
            try session.forEachRow(
                "SELECT DISTINCT ON (seq) hash FROM processed WHERE seq < $1 ORDER BY seq", [.int64(Int64(items))]
            ) {
                summary.checksum.add(itemHash: UInt64(bitPattern: try $0.int64(0, 0)))
            }
            try session.forEachRow(
                "SELECT latency_us FROM processed WHERE run = $1 AND latency_us >= 0", [.int64(Int64(run))]
            ) {
                summary.latencies.append(try $0.int64(0, 0))
            }
            return summary
        }
    }
}
