import CSQLite

/// One prepared statement, compiled once and executed again and again: the queue's hot
/// statements (the producer's insert, the claim, the processed record) are bound and stepped per
/// row with no allocation on the Swift side — parameters go straight into SQLite
/// (`sqlite3_bind_*`), columns are read where SQLite holds them (`sqlite3_column_*`).
///
/// Used only inside `SQLiteConnection.run`, on the connection's thread (not `Sendable`); the
/// session that prepared it finalizes it before the connection closes.
final class SQLiteStatement {
    let sql: String
    private let handle: OpaquePointer
    /// The connection, for `sqlite3_errmsg` (the statement's own errors land there).
    private let database: OpaquePointer

    /// Compiles `sql` (one statement). `persistent` tells SQLite the statement lives long (it
    /// then comes from the heap, not the connection's small lookaside slots), as for every
    /// statement the session caches.
    init(_ sql: String, database: OpaquePointer, persistent: Bool) throws {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(database, sql, -1, flags, &statement, nil)
        guard code == SQLITE_OK else { throw SQLiteError(code, on: database, statement: sql) }
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the SQL holds no statement", statement: sql)
        }
        (self.sql, self.handle, self.database) = (sql, statement, database)
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds parameter `index` (1-based, as in SQLite).
    func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ value: Int, at index: Int32) throws { try bind(Int64(value), at: index) }

    /// Binds `bytes` as a blob **without a copy** (`SQLITE_STATIC`): they must stay valid until
    /// the statement has run (`execute`, or `forEachRow` to its end), which resets it and clears
    /// its bindings. The producer binds each event's bytes inside `withUnsafeBytes`: GRDB copied
    /// each into a `Data` and SQLite copied it again (`SQLITE_TRANSIENT`).
    func bindNoCopy(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        // A nil base address (an empty buffer) would bind NULL, which `payload NOT NULL` refuses.
        guard let base = bytes.baseAddress else { return try check(sqlite3_bind_zeroblob(handle, index, 0)) }
        try check(sqlite3_bind_blob(handle, index, base, Int32(bytes.count), nil))
    }

    /// Runs a statement that returns no rows (or whose rows are not wanted) to its end.
    func execute() throws {
        defer { reset() }
        while try step() {}
    }

    /// Runs the statement, calling `body` on each row (read the row with `int64(_:)` and
    /// `withBlob(_:_:)` inside `body`: SQLite's buffers change at the next step).
    func forEachRow(_ body: (SQLiteStatement) throws -> Void) throws {
        defer { reset() }
        while try step() { try body(self) }
    }

    /// The first column of the first row, or nil when there is none.
    func firstInt64() throws -> Int64? {
        defer { reset() }
        return try step() ? int64(0) : nil
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// A text column as a String (a copy: for setup and messages, not per row).
    func string(_ column: Int32) -> String {
        withBlob(column) { String(decoding: $0, as: UTF8.self) }
    }

    /// A blob column's bytes where SQLite holds them, valid inside `body` only.
    func withBlob<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        // Pointer first, then the length: the documented order (the length call may convert).
        let start = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? start : nil, count: count))
    }

    /// One step: true when a row is ready, false when the statement is done.
    private func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw SQLiteError(code, on: database, statement: sql)
        }
    }

    /// Ready to run again, no parameter bound (so no `bindNoCopy` pointer outlives its bytes).
    /// `sqlite3_reset` repeats the last step's error code, already thrown by `step`.
    private func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw SQLiteError(code, on: database, statement: sql) }
    }
}
