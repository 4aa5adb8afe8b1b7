import CLibPQ

/// A connection as a block run by `PQConnection.run` sees it, on the connection's own thread:
/// statements run synchronously, one round trip each (libpq's extended protocol: parameters and
/// results in binary format). Not `Sendable`: it must not leave that block.
struct PQSession {
    let handle: OpaquePointer

    /// Runs one statement; its rows, or the server's error thrown.
    @discardableResult
    func execute(_ statement: String, _ parameters: [PQParameter] = []) throws -> PQResult {
        let quoted = Self.quote(statement)
        let result = Self.withParameters(parameters) { count, types, values, lengths, formats in
            PQexecParams(handle, statement, count, types, values, lengths, formats, 1)
        }
        // nil: out of memory, or no usable connection (the library's message says which).
        guard let result else { throw PQError("\(quoted): \(PQError.message(of: handle))") }
        let rows = PQResult(result, statement: quoted)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return rows
        default: throw failure(result, quoted)
        }
    }

    /// Runs one statement and hands `body` its rows one at a time (libpq's single-row mode: each
    /// a one-row `PQResult`, freed after `body`). The verification reads back a hash and a
    /// latency per event; held whole in one `PGresult`, 60,000 rows raised the child's peak heap
    /// at ×4 from 5.3 to 6.7 MiB (postgres-nio streamed them).
    func forEachRow(_ statement: String, _ parameters: [PQParameter] = [], _ body: (PQResult) throws -> Void) throws {
        let quoted = Self.quote(statement)
        let sent = Self.withParameters(parameters) { count, types, values, lengths, formats in
            PQsendQueryParams(handle, statement, count, types, values, lengths, formats, 1)
        }
        guard sent == 1 else { throw PQError("\(quoted): \(PQError.message(of: handle))") }
        PQsetSingleRowMode(handle)
        // Every result is read to the end (the connection is busy until then), even after a
        // failure; the first failure is thrown.
        var firstFailure: (any Error)?
        while let result = PQgetResult(handle) {
            let row = PQResult(result, statement: quoted)
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE:
                guard firstFailure == nil else { continue }
                do { try body(row) } catch { firstFailure = error }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                break
            default:
                if firstFailure == nil { firstFailure = failure(result, quoted) }
            }
        }
        if let firstFailure { throw firstFailure }
    }

    /// The server's message and SQLSTATE of a failed result.
    private func failure(_ result: OpaquePointer, _ quoted: String) -> PQError {
        let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? ""
        // The field code PG_DIAG_SQLSTATE ('C').
        let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        return PQError(
            "\(quoted): \(PQError.oneLine(message.isEmpty ? PQError.message(of: handle) : message))", sqlState: sqlState
        )
    }

    private static func quote(_ statement: String) -> String {
        "`\(statement.count > 60 ? statement.prefix(60) + "…" : statement)`"
    }

    /// libpq's parameter arrays (count, types, values, lengths, formats: all binary) for `call`.
    /// Every parameter's bytes sit in one buffer, each pointer an offset into it, plus one spare
    /// byte so an empty value still has a non-nil pointer (nil would mean SQL NULL).
    private static func withParameters<T>(
        _ parameters: [PQParameter],
        _ call: (Int32, [Oid], [UnsafePointer<CChar>?], [Int32], [Int32]) -> T
    ) -> T {
        var storage: [UInt8] = []
        storage.reserveCapacity(parameters.reduce(1) { $0 + $1.bytes.count })
        var offsets: [Int] = []
        for parameter in parameters {
            offsets.append(storage.count)
            storage += parameter.bytes
        }
        storage.append(0)
        let types = parameters.map(\.type)
        let lengths = parameters.map { Int32($0.bytes.count) }
        let formats = [Int32](repeating: 1, count: parameters.count)
        return storage.withUnsafeBytes { buffer in
            let values: [UnsafePointer<CChar>?] = offsets.map {
                (buffer.baseAddress! + $0).assumingMemoryBound(to: CChar.self)
            }
            return call(Int32(parameters.count), types, values, lengths, formats)
        }
    }
}
