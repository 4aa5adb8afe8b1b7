import CSQLite

/// An SQLite failure, thrown: SQLite's own message (`sqlite3_errmsg`, e.g. "file is not a
/// database", "database is locked"), its extended result code, and the statement it came from.
struct SQLiteError: Error, CustomStringConvertible {
    /// The extended result code (connections open with `SQLITE_OPEN_EXRESCODE`): 26 is
    /// `SQLITE_NOTADB`, 5 `SQLITE_BUSY`, 1555 `SQLITE_CONSTRAINT_PRIMARYKEY`.
    let code: Int32
    let message: String
    /// The SQL that failed, on one line; nil for opening and closing the file.
    let statement: String?

    init(code: Int32, message: String, statement: String? = nil) {
        self.code = code
        self.message = message
        self.statement = statement.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
    }

    /// The error `code` left on `database`. Read right after the failing call: the connection's
    /// message is overwritten by its next call. Without a connection (an open that could not even
    /// allocate one) the code's generic text (`sqlite3_errstr`) is all there is.
    init(_ code: Int32, on database: OpaquePointer?, statement: String? = nil) {
        var text: UnsafePointer<CChar>? = nil
        if let database { text = sqlite3_errmsg(database) }
        if text == nil { text = sqlite3_errstr(code) }
        self.init(code: code, message: text.map { String(cString: $0) } ?? "unknown error", statement: statement)
    }

    var description: String {
        let origin = statement.map { " in \($0)" } ?? ""
        return "\(message) (SQLite error \(code)\(origin))"
    }
}
