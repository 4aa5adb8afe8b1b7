import CSQLite

/// What a block passed to `SQLiteConnection.run` may do with the connection: run SQL text,
/// reuse prepared statements, read the change count. It exists only on the connection's thread
/// (not `Sendable`), so nothing here needs a lock.
///
/// Statements are prepared once per SQL text and kept (GRDB's `cachedStatement`): the queue's
/// transactions run the same few statements tens of thousands of times, and compiling one costs
/// more than running it.
final class SQLiteSession {
    /// The `sqlite3` connection; closed by `close()` only.
    let database: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    init(database: OpaquePointer) { self.database = database }

    /// The statement for `sql`, prepared on first use and reused after (the SQL text is the key).
    func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = statements[sql] { return statement }
        let statement = try SQLiteStatement(sql, database: database, persistent: true)
        statements[sql] = statement
        return statement
    }

    /// Runs SQL text of one or more statements once (schema, pragmas): not kept.
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(database, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            // sqlite3_exec's own message is the failing statement's; errmsg says the same.
            throw message.map { SQLiteError(code: code, message: String(cString: $0), statement: sql) }
                ?? SQLiteError(code, on: database, statement: sql)
        }
    }

    /// Rows the last INSERT, UPDATE or DELETE changed (`sqlite3_changes`).
    var changes: Int { Int(sqlite3_changes(database)) }

    /// The first column of `sql`'s first row (a cached statement), or nil without a row.
    func int64(_ sql: String) throws -> Int64? { try cachedStatement(sql).firstInt64() }

    /// Finalizes every statement (an unfinalized one keeps `sqlite3_close` from closing), then
    /// closes. The last connection to close checkpoints the WAL into the file and deletes it.
    func close() throws {
        statements.removeAll()
        let code = sqlite3_close(database)
        guard code == SQLITE_OK else { throw SQLiteError(code, on: database) }
    }
}
