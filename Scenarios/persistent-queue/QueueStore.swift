import Foundation
import ScenarioKit

/// The disk-backed queue: one SQLite file in WAL mode, reached through SQLite's C API
/// (`SQLiteConnection`, one connection on a thread of its own).
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
/// Every access goes through the one connection (SQLite serializes writers anyway, and a reader
/// connection would bring a page cache of its own, see `summarize`); the async methods hop to
/// its serial queue, so no cooperative thread blocks on SQLite or on an fsync.
final class QueueStore: Sendable {
    let path: String
    private let connection: SQLiteConnection

    /// Row states in `events`.
    private static let ready = 0
    private static let claimed = 1

    /// The producer's insert and the consumers' claim: prepared once, run per row and per claim.
    private static let insertSQL = "INSERT INTO events (seq, state, run, payload) VALUES (?, \(ready), ?, ?)"
    private static let claimSQL = """
        UPDATE events SET state = \(claimed)
        WHERE seq IN (SELECT seq FROM events WHERE state = \(ready) ORDER BY seq LIMIT ?)
        RETURNING seq, run, payload
        """

    /// Opens (or creates) the file in WAL mode and puts `synchronous` in force on the connection.
    init(path: String, synchronous: String) async throws {
        self.path = path
        connection = try await SQLiteConnection.open(path: path, label: "persistent-queue.sqlite")
        let pragma = "PRAGMA synchronous = \(synchronous.uppercased())"
        try await connection.run { try $0.execute(pragma) }
    }

    /// `PRAGMA synchronous` as the connection reports it: 0 off, 1 normal, 2 full, 3 extra.
    func synchronousInForce() async throws -> Int {
        try await connection.run { Int(try $0.int64("PRAGMA synchronous") ?? -1) }
    }

    /// Creates the schema if needed, and recovers what a killed run left behind, in one
    /// transaction: claimed rows go back to ready (at-least-once redelivery) and the run counter
    /// moves on, so events enqueued by an earlier process can be told apart (their monotonic
    /// timestamps mean nothing to this one).
    func resume(itemBytes: Int) async throws -> ResumeState {
        try await connection.transaction { db in
            try db.execute(
                """
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
            let setItemBytes = try db.cachedStatement(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('item_bytes', ?)")
            try setItemBytes.bind(itemBytes, at: 1)
            try setItemBytes.execute()
            let storedItemBytes =
                try db.int64("SELECT value FROM meta WHERE key = 'item_bytes'").map { Int($0) } ?? itemBytes
            guard storedItemBytes == itemBytes else {
                throw QueueFileError(
                    "the queue file holds \(storedItemBytes)-byte events; rerun it with item_bytes=\(storedItemBytes), not \(itemBytes)"
                )
            }
            try db.execute("UPDATE meta SET value = value + 1 WHERE key = 'runs'")
            try db.execute("UPDATE events SET state = \(Self.ready) WHERE state = \(Self.claimed)")
            let requeued = db.changes
            return ResumeState(
                run: try db.int64("SELECT value FROM meta WHERE key = 'runs'") ?? 1,
                nextSequence: Int(try db.int64("SELECT value FROM meta WHERE key = 'next_sequence'") ?? 0),
                backlogRows: Int(try db.int64("SELECT count(*) FROM events") ?? 0),
                processedSequences: Int(try db.int64("SELECT count(*) FROM processed") ?? 0),
                requeued: requeued)
        }
    }

    /// Commits `events` (sequences `firstSequence...`) in one transaction together with the new
    /// resume point, so a crash either keeps the whole batch and the point past it, or neither.
    func append(_ events: [[UInt8]], firstSequence: Int, run: Int64) async throws {
        try await connection.transaction { db in
            let insert = try db.cachedStatement(Self.insertSQL)
            for (offset, event) in events.enumerated() {
                try insert.bind(firstSequence + offset, at: 1)
                try insert.bind(run, at: 2)
                // The event's own bytes, bound without a copy for the one execution.
                try event.withUnsafeBytes { payload in
                    try insert.bindNoCopy(payload, at: 3)
                    try insert.execute()
                }
            }
            let resumePoint = try db.cachedStatement("UPDATE meta SET value = ? WHERE key = 'next_sequence'")
            try resumePoint.bind(firstSequence + events.count, at: 1)
            try resumePoint.execute()
        }
    }

    /// Claims up to `limit` ready rows, oldest first, and returns them: one UPDATE … RETURNING,
    /// so two consumers can never claim the same row.
    func claim(limit: Int) async throws -> ClaimedBatch {
        try await connection.transaction { db in
            let statement = try db.cachedStatement(Self.claimSQL)
            try statement.bind(limit, at: 1)
            var batch = ClaimedBatch()
            try statement.forEachRow { row in
                row.withBlob(2) { payload in
                    // Sized once, at the first row, for a full claim (a bounded guess past 4096
                    // rows): not grown row by row, and nothing allocated for an empty claim.
                    if batch.sequences.isEmpty { batch.reserve(rows: min(limit, 4096), payloadBytes: payload.count) }
                    batch.sequences.append(row.int64(0))
                    batch.runs.append(row.int64(1))
                    // Copied straight from SQLite's buffer into the batch's one payload array.
                    batch.payloads.append(contentsOf: payload)
                    batch.ends.append(batch.payloads.count)
                }
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
        try await connection.transaction { db in
            // INSERT OR IGNORE says by its change count whether this is the first processing; only
            // a redelivered sequence pays the UPDATE. The same rows change as with an upsert, in
            // the same transaction. The upsert's `RETURNING count` cost ≈ 18 allocations per event
            // (SQLite opens an ephemeral table for RETURNING on every execution): half of the
            // scenario's allocations, for a count the pattern can read from `changes`.
            let insert = try db.cachedStatement("INSERT OR IGNORE INTO processed (seq, count, hash) VALUES (?, 1, ?)")
            let again = try db.cachedStatement("UPDATE processed SET count = count + 1 WHERE seq = ?")
            var firstTime = 0
            for index in sequences.indices {
                try insert.bind(sequences[index], at: 1)
                try insert.bind(Int64(bitPattern: hashes[index]), at: 2)
                try insert.execute()
                if db.changes == 1 {
                    firstTime += 1
                } else {
                    try again.bind(sequences[index], at: 1)
                    try again.execute()
                }
            }
            return firstTime
        }
    }

    /// Acknowledges: the rows leave the backlog (their pages go to SQLite's freelist and are
    /// reused by later inserts, so the file stops growing once the backlog stops growing).
    func acknowledge(_ sequences: [Int64]) async throws {
        guard !sequences.isEmpty else { return }
        try await connection.transaction { db in
            // One statement per claim, not one per event (a statement execution per event was
            // plumbing, not queue work): `seq IN (?, …)` with one placeholder per row, cached per
            // batch size (nearly always `claim_batch`), in slices of at most 500 rows so a large
            // claim_batch stays under SQLite's limit on bound variables.
            var start = sequences.startIndex
            while start < sequences.endIndex {
                let slice = sequences[start..<min(start + 500, sequences.endIndex)]
                let delete = try db.cachedStatement(Self.deleteSQL(rows: slice.count))
                for (index, sequence) in slice.enumerated() { try delete.bind(sequence, at: Int32(index + 1)) }
                try delete.execute()
                start = slice.endIndex
            }
        }
    }

    /// `DELETE … WHERE seq IN (?, …)` for `rows` placeholders.
    private static func deleteSQL(rows: Int) -> String {
        "DELETE FROM events WHERE seq IN (" + repeatElement("?", count: rows).joined(separator: ", ") + ")"
    }

    /// Everything the file remembers about its whole life, for verification and metrics.
    ///
    /// Read on the queue's one connection, whose page cache the run has already filled: a
    /// second (reader) connection would bring a second cache that grows with the `processed`
    /// table (up to SQLite's 2000 KiB default), which shows up as memory growing with `items`.
    func summarize(items: Int) async throws -> QueueSummary {
        try await connection.transaction { db in
            var summary = QueueSummary()
            summary.committed = Int(try db.int64("SELECT value FROM meta WHERE key = 'next_sequence'") ?? 0)
            summary.backlogRows = Int(try db.int64("SELECT count(*) FROM events") ?? 0)
            summary.runs = Int(try db.int64("SELECT value FROM meta WHERE key = 'runs'") ?? 0)
            try db.cachedStatement("SELECT seq, count, hash FROM processed").forEachRow { row in
                summary.processed += Int(row.int64(1))
                summary.distinct += 1
                if row.int64(0) < items {
                    summary.checksum.add(itemHash: UInt64(bitPattern: row.int64(2)))
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

    /// Closes the file; SQLite checkpoints the WAL into it first.
    func close() async throws { try await connection.close() }

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

    /// Room for `rows` rows of `payloadBytes` each.
    mutating func reserve(rows: Int, payloadBytes: Int) {
        sequences.reserveCapacity(rows)
        runs.reserveCapacity(rows)
        payloads.reserveCapacity(rows * payloadBytes)
        ends.reserveCapacity(rows)
    }
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
