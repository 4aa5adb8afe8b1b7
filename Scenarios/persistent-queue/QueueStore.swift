import Foundation
import GRDB
import ScenarioKit

/// The disk-backed queue: one SQLite file in WAL mode, reached through a GRDB `DatabasePool`.
///
/// Three tables live in the file:
/// - `events`: the backlog. A row is `ready` (0) until a consumer claims it (1) and is deleted
///   when the consumer acknowledges it (Bull's `removeOnComplete`). The payload is the last
///   column so that scanning for ready rows reads `state` without touching overflow pages.
/// - `processed`: one row per sequence ever processed, with how many times and the hash of the
///   first processing. It is the durable stand-in for the consumer's downstream side-effect, and
///   what `lost`, `duplicates` and the checksum are computed from across restarts.
/// - `meta`: `item_bytes` (a resumed file must keep its item size), `next_sequence` (the
///   producer's resume point, written in the same transaction as each batch) and `runs`.
///
/// Every write goes through the pool's single writer connection (SQLite serializes writers
/// anyway); the async `write` hops to GRDB's writer queue, so no cooperative thread blocks on
/// SQLite or on an fsync.
final class QueueStore: Sendable {
    let path: String
    private let pool: DatabasePool

    /// Row states in `events`.
    private static let ready = 0
    private static let claimed = 1

    /// Opens (or creates) the file and puts `synchronous` in force on the writer connection.
    ///
    /// The pragma is set after the pool exists, not in `Configuration.prepareDatabase`: GRDB's
    /// `DatabasePool.init` switches the file to WAL and then runs `PRAGMA synchronous = NORMAL`
    /// on the writer, which would silently override a value set while the connection was prepared.
    init(path: String, synchronous: String) async throws {
        self.path = path
        var configuration = Configuration()
        configuration.label = "persistent-queue"
        // Every access here goes through the writer; no reader connection (each would bring
        // its own page cache) is ever opened.
        configuration.maximumReaderCount = 1
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        let pragma = "PRAGMA synchronous = \(synchronous.uppercased())"
        try await pool.writeWithoutTransaction { db in try db.execute(sql: pragma) }
    }

    /// `PRAGMA synchronous` as the writer connection reports it: 0 off, 1 normal, 2 full, 3 extra.
    func synchronousInForce() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Creates the schema if needed, and recovers what a killed run left behind, in one
    /// transaction: claimed rows go back to ready (at-least-once redelivery) and the run counter
    /// moves on, so events enqueued by an earlier process can be told apart (their monotonic
    /// timestamps mean nothing to this one).
    func resume(itemBytes: Int) async throws -> ResumeState {
        try await pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS events (
                        seq INTEGER PRIMARY KEY,
                        state INTEGER NOT NULL,
                        run INTEGER NOT NULL,
                        payload BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS processed (
                        seq INTEGER PRIMARY KEY,
                        count INTEGER NOT NULL,
                        hash INTEGER NOT NULL);
                    INSERT OR IGNORE INTO meta (key, value) VALUES ('next_sequence', 0), ('runs', 0);
                    """)
            try db.execute(
                sql: "INSERT OR IGNORE INTO meta (key, value) VALUES ('item_bytes', ?)", arguments: [itemBytes])
            let storedItemBytes =
                try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'item_bytes'") ?? itemBytes
            guard storedItemBytes == itemBytes else {
                throw QueueFileError(
                    "the queue file holds \(storedItemBytes)-byte events; rerun it with item_bytes=\(storedItemBytes), not \(itemBytes)"
                )
            }
            try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'runs'")
            try db.execute(sql: "UPDATE events SET state = ? WHERE state = ?", arguments: [Self.ready, Self.claimed])
            let requeued = db.changesCount
            return ResumeState(
                run: try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'runs'") ?? 1,
                nextSequence: try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'next_sequence'") ?? 0,
                backlogRows: try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0,
                processedSequences: try Int.fetchOne(db, sql: "SELECT count(*) FROM processed") ?? 0,
                requeued: requeued)
        }
    }

    /// Commits `events` (sequences `firstSequence...`) in one transaction together with the new
    /// resume point, so a crash either keeps the whole batch and the point past it, or neither.
    func append(_ events: [[UInt8]], firstSequence: Int, run: Int64) async throws {
        try await pool.write { db in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO events (seq, state, run, payload) VALUES (?, ?, ?, ?)")
            for (offset, event) in events.enumerated() {
                try insert.execute(arguments: [firstSequence + offset, Self.ready, run, Data(event)])
            }
            try db.execute(
                sql: "UPDATE meta SET value = ? WHERE key = 'next_sequence'", arguments: [firstSequence + events.count])
        }
    }

    /// Claims up to `limit` ready rows, oldest first, and returns them: one UPDATE … RETURNING,
    /// so two consumers can never claim the same row.
    func claim(limit: Int) async throws -> ClaimedBatch {
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE events SET state = \(Self.claimed)
                    WHERE seq IN (SELECT seq FROM events WHERE state = \(Self.ready) ORDER BY seq LIMIT ?)
                    RETURNING seq, run, payload
                    """)
            var batch = ClaimedBatch()
            let rows = try Row.fetchCursor(statement, arguments: [limit])
            while let row = try rows.next() {
                batch.sequences.append(row[0])
                batch.runs.append(row[1])
                // No-copy view of SQLite's buffer, valid only inside the closure.
                try row.withUnsafeData(atIndex: 2) { data in
                    if let data { data.withUnsafeBytes { batch.payloads.append(contentsOf: $0) } }
                }
                batch.ends.append(batch.payloads.count)
            }
            return batch
        }
    }

    /// Records one processing of each sequence and returns how many were first processings.
    ///
    /// This is its own transaction, committed before the ack: it models a side-effect outside
    /// the queue (another database, an HTTP call) that cannot join the queue's transaction. A
    /// crash between this commit and the ack redelivers the events, and their count goes to 2.
    func recordProcessed(_ sequences: [Int64], hashes: [UInt64]) async throws -> Int {
        try await pool.write { db in
            // INSERT OR IGNORE says by its change count whether this is the first processing; only
            // a redelivered sequence pays the UPDATE. The same rows change as with an upsert, in
            // the same transaction. The upsert's `RETURNING count` cost ≈ 18 allocations per event
            // (SQLite opens an ephemeral table for RETURNING on every execution): half of the
            // scenario's allocations, for a count the pattern can read from `changesCount`.
            let insert = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO processed (seq, count, hash) VALUES (?, 1, ?)")
            let again = try db.cachedStatement(sql: "UPDATE processed SET count = count + 1 WHERE seq = ?")
            var firstTime = 0
            for index in sequences.indices {
                try insert.execute(arguments: [sequences[index], Int64(bitPattern: hashes[index])])
                if db.changesCount == 1 {
                    firstTime += 1
                } else {
                    try again.execute(arguments: [sequences[index]])
                }
            }
            return firstTime
        }
    }

    /// Acknowledges: the rows leave the backlog (their pages go to SQLite's freelist and are
    /// reused by later inserts, so the file stops growing once the backlog stops growing).
    func acknowledge(_ sequences: [Int64]) async throws {
        guard !sequences.isEmpty else { return }
        try await pool.write { db in
            // One statement per claim, not one per event (a statement execution and its argument
            // array per event was plumbing, not queue work): `seq IN (?, …)` with one placeholder
            // per row, cached per batch size (nearly always `claim_batch`), in slices of at most
            // 500 rows so a large claim_batch stays under SQLite's limit on bound variables.
            var start = sequences.startIndex
            while start < sequences.endIndex {
                let slice = sequences[start..<min(start + 500, sequences.endIndex)]
                let placeholders = repeatElement("?", count: slice.count).joined(separator: ", ")
                let delete = try db.cachedStatement(sql: "DELETE FROM events WHERE seq IN (\(placeholders))")
                try delete.execute(arguments: StatementArguments(Array(slice)))
                start = slice.endIndex
            }
        }
    }

    /// Everything the file remembers about its whole life, for verification and metrics.
    ///
    /// Read on the writer connection, whose page cache the run has already filled: a reader
    /// connection would bring a second cache that grows with the `processed` table (up to
    /// SQLite's 2000 KiB default), which shows up as memory growing with `items`.
    func summarize(items: Int) async throws -> QueueSummary {
        try await pool.write { db in
            var summary = QueueSummary()
            summary.committed = try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'next_sequence'") ?? 0
            summary.backlogRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0
            summary.runs = try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'runs'") ?? 0
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, count, hash FROM processed")
            while let row = try rows.next() {
                let sequence: Int = row[0]
                let count: Int = row[1]
                let hash: Int64 = row[2]
                summary.processed += count
                summary.distinct += 1
                if sequence < items {
                    summary.checksum.add(itemHash: UInt64(bitPattern: hash))
                } else {
                    summary.beyondItems += 1
                }
            }
            return summary
        }
    }

    /// Bytes of the database file plus its WAL (what the backlog costs on disk).
    func fileBytes() -> Int {
        func size(_ path: String) -> Int {
            var info = stat()
            return stat(path, &info) == 0 ? Int(info.st_size) : 0
        }
        return size(path) + size(path + "-wal")
    }

    func close() throws { try pool.close() }

    /// Deletes the file and its WAL and shared-memory companions.
    static func remove(path: String) {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }
}

/// What a run starts from: a fresh file gives zeros, a resumed one what its last run left.
struct ResumeState: Sendable {
    /// This run's number in the file (1 for a fresh file).
    var run: Int64
    /// The first sequence the producer still has to commit.
    var nextSequence: Int
    var backlogRows: Int
    var processedSequences: Int
    /// Rows a killed consumer had claimed but not acknowledged, now ready again.
    var requeued: Int
}

/// Rows one consumer claimed in one transaction; payloads back to back, `ends[i]` closing the
/// i-th (one allocation per claim instead of one per event).
struct ClaimedBatch: Sendable {
    var sequences: [Int64] = []
    var runs: [Int64] = []
    var payloads: [UInt8] = []
    var ends: [Int] = []
}

/// The file's whole-life totals, read after the last consumer has stopped.
struct QueueSummary: Sendable {
    /// Events ever committed (the producer's resume point).
    var committed = 0
    /// Rows still in `events` (should be 0 after a complete run).
    var backlogRows = 0
    var runs = 0
    /// Processings, counting redeliveries.
    var processed = 0
    /// Distinct sequences processed.
    var distinct = 0
    /// Distinct sequences at or past `items` (a file produced with a larger `items`).
    var beyondItems = 0
    /// Order-free checksum of the first processing of each sequence below `items`.
    var checksum = Checksum(ordered: false)
}

/// A queue file that cannot be used with the parameters given.
struct QueueFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
