import CSQLite
import Dispatch

/// One connection to an SQLite file in WAL mode, through SQLite's C API, its blocking calls on a
/// thread of its own.
///
/// SQLite's calls block their thread: a commit writes the WAL, a checkpoint fsyncs (and with
/// `synchronous=full` every commit does). On Swift's cooperative pool (one thread per core: two
/// here) that would stall every other task of the process — the producer, the consumers, the
/// file-size monitor. So the connection owns a serial DispatchQueue, whose thread is not one of
/// the pool's, and every use of its `sqlite3` handle happens there: `run` hops over with a block
/// of statements (a transaction is one hop, not one per statement) and resumes the caller with
/// the block's result or error. That is what GRDB's `DatabasePool.write` did (its writer's
/// serial queue); the serial queue also makes the connection single-threaded, which is why it
/// opens without SQLite's per-connection mutex (`SQLITE_OPEN_NOMUTEX`).
///
/// Why not GRDB: GRDB was 113 of the 629 CPU-s of a from-scratch release build of this package
/// (one module compiled as one whole-module job), for this one scenario's one file (README: "CI:
/// what it runs and how long").
final class SQLiteConnection: @unchecked Sendable {
    private let session: SQLiteSession
    private let queue: DispatchQueue
    /// Touched on `queue` only.
    private var closed = false

    private init(session: SQLiteSession, queue: DispatchQueue) {
        (self.session, self.queue) = (session, queue)
    }

    deinit { if !closed { try? session.close() } }

    /// How long a statement waits for another process's lock before failing with SQLITE_BUSY.
    private static let busyTimeout: Duration = .seconds(5)

    /// Opens (or creates) the file at `path` and sets it up as GRDB's `DatabasePool` did for
    /// its writer connection (GRDB 7.10.0, `Database.setUp` and `setUpWALMode`), less what this
    /// scenario never used:
    /// - extended result codes, so an error says e.g. `SQLITE_CONSTRAINT_PRIMARYKEY` (1555), not 19;
    /// - a 5 s busy timeout (GRDB's `busyMode = .timeout(5)`): a second process on the
    ///   same file waits for the lock instead of failing at once;
    /// - `PRAGMA foreign_keys = ON` (GRDB's default; the schema declares no foreign key today);
    /// - the file is checked to be an SQLite database (GRDB's `validateFormat`): `sqlite3_open`
    ///   reads nothing, so without this a wrong `queue_file` would fail later, mid-run;
    /// - `PRAGMA journal_mode = WAL`, which must answer `wal`. Unlike GRDB this does not then set
    ///   `synchronous = NORMAL`: the caller sets the level it wants once, and reads it back.
    /// Not carried over: GRDB's reader connections (never opened: every access went through the
    /// writer), its SQL functions, collations, authorizer and transaction-observer hooks, its
    /// switch-off of double-quoted string literals (this SQL has none), and the `-wal` file it
    /// creates for readers' snapshots.
    static func open(path: String, label: String) async throws -> SQLiteConnection {
        let queue = DispatchQueue(label: label, qos: .userInitiated)
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result {
                        let session = try openSession(path: path)
                        return SQLiteConnection(session: session, queue: queue)
                    })
            }
        }
    }

    /// On the connection's queue: `sqlite3_open_v2` and the setup `open` describes.
    private static func openSession(path: String) throws -> SQLiteSession {
        var database: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &database, flags, nil)
        guard code == SQLITE_OK, let database else {
            // A failed open still allocates a handle (for its message), which must be closed.
            let error = SQLiteError(code, on: database)
            sqlite3_close(database)
            throw SQLiteError(code: error.code, message: "could not open \(path): \(error.message)")
        }
        let session = SQLiteSession(database: database)
        do {
            sqlite3_busy_timeout(database, Int32(busyTimeout / .milliseconds(1)))
            try session.execute("PRAGMA foreign_keys = ON")
            try SQLiteStatement("SELECT * FROM sqlite_master LIMIT 1", database: database, persistent: false).execute()
            var journalMode = ""
            try SQLiteStatement("PRAGMA journal_mode = WAL", database: database, persistent: false).forEachRow {
                journalMode = $0.string(0)
            }
            guard journalMode == "wal" else {
                throw SQLiteError(
                    code: SQLITE_ERROR, message: "could not put \(path) in WAL mode (journal_mode is \(journalMode))")
            }
            return session
        } catch let error as SQLiteError {
            try? session.close()
            throw SQLiteError(code: error.code, message: "\(path): \(error.message)", statement: error.statement)
        }
    }

    /// Runs `body` on the connection's thread: its statements one after the other, each committed
    /// on its own (autocommit) unless the block is a `transaction`. A cancelled task does not hop
    /// (as GRDB's async accesses checked): a failed sibling ends the consumers at their next call.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteSession) throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard !self.closed else {
                    return continuation.resume(
                        throwing: SQLiteError(code: SQLITE_MISUSE, message: "the connection is closed"))
                }
                continuation.resume(with: Result { try body(self.session) })
            }
        }
    }

    /// `BEGIN IMMEDIATE`, `body`, `COMMIT` in one hop; `ROLLBACK` when `body` or the commit throws.
    ///
    /// IMMEDIATE, as GRDB's writes: the write lock is taken at BEGIN, where the busy timeout
    /// applies, not when the first write upgrades a read lock, where SQLite would fail at once
    /// with SQLITE_BUSY had another process written in between.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteSession) throws -> T) async throws -> T {
        try await run { session in
            try session.cachedStatement("BEGIN IMMEDIATE").execute()
            do {
                let value = try body(session)
                try session.cachedStatement("COMMIT").execute()
                return value
            } catch {
                // After some errors (SQLITE_FULL, SQLITE_IOERR…) SQLite has rolled back already.
                if sqlite3_get_autocommit(session.database) == 0 { try? session.cachedStatement("ROLLBACK").execute() }
                throw error
            }
        }
    }

    /// Finalizes the statements and closes the file (checkpointing the WAL into it, as the last
    /// connection); later calls throw.
    func close() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            queue.async {
                guard !self.closed else { return continuation.resume() }
                self.closed = true
                continuation.resume(with: Result { try self.session.close() })
            }
        }
    }
}
