import CLibPQ
import Foundation

/// A libpq failure, thrown: the library's or the server's own message (one line), with the
/// statement it came from and the SQLSTATE when the server sent one.
struct PQError: Error, CustomStringConvertible {
    let message: String
    /// The server's five-character error code (e.g. 57P01, admin shutdown); nil for the library's
    /// own failures (no connection, a closed socket).
    let sqlState: String?

    init(_ message: String, sqlState: String? = nil) {
        (self.message, self.sqlState) = (message, sqlState)
    }

    var description: String { sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message }

    /// The connection's last message as one line: libpq's are multi-line, tab-indented and
    /// newline-terminated ("server closed the connection unexpectedly\n\tThis probably means …").
    static func message(of connection: OpaquePointer) -> String {
        oneLine(PQerrorMessage(connection).map { String(cString: $0) } ?? "")
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
