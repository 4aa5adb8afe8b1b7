import CLibPQ

/// A connection as a block run by `PQConnection.run` sees it, on the connection's own thread:
/// statements run synchronously, one round trip each (libpq's extended protocol: parameters and
/// results in binary format). Not `Sendable`: it must not leave that block.
struct PQSession {
    let handle: OpaquePointer

    /// Runs one statement; its rows, or the server's error thrown.
    @discardableResult
    func execute(_ statement: String, _ parameters: [PQParameter] = []) throws -> PQResult {
        // Every parameter's bytes in one buffer, each pointer an offset into it, plus one spare
        // byte so an empty value still has a non-nil pointer (nil would mean SQL NULL).
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
        let result = storage.withUnsafeBytes { buffer -> OpaquePointer? in
            let values: [UnsafePointer<CChar>?] = offsets.map { (buffer.baseAddress! + $0).assumingMemoryBound(to: CChar.self) }
            return PQexecParams(handle, statement, Int32(parameters.count), types, values, lengths, formats, 1)
        }
        let quoted = "`\(statement.count > 60 ? statement.prefix(60) + "…" : statement)`"
        // nil: out of memory, or no usable connection (the library's message says which).
        guard let result else { throw PQError("\(quoted): \(PQError.message(of: handle))") }
        let rows = PQResult(result, statement: quoted)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return rows
        default:
            let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? ""
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }  // PG_DIAG_SQLSTATE
            throw PQError("\(quoted): \(PQError.oneLine(message.isEmpty ? PQError.message(of: handle) : message))", sqlState: sqlState)
        }
    }
}
