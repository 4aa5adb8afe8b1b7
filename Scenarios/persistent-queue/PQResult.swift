import CLibPQ

/// The rows of one statement, in binary format, read where libpq holds them (no copy per value:
/// a worker hashes each claimed payload in place).
///
/// A `PGresult` is immutable once returned and independent of its connection (libpq: it may be
/// read from any thread), hence `Sendable`; it is freed with the last reference.
final class PQResult: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The statement, for the messages of the accessors' errors.
    let statement: String

    init(_ handle: OpaquePointer, statement: String) {
        (self.handle, self.statement) = (handle, statement)
    }

    deinit { PQclear(handle) }

    var rows: Int { Int(PQntuples(handle)) }

    /// An integer column (bigint, int or smallint), as Int64.
    func int64(_ row: Int, _ column: Int) throws -> Int64 {
        try withBytes(row, column) { bytes in
            switch (PQftype(handle, Int32(column)), bytes.count) {
            case (PQParameter.TypeOID.int8, 8): return Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
            case (PQParameter.TypeOID.int4, 4): return Int64(Int32(bigEndian: bytes.loadUnaligned(as: Int32.self)))
            case (21, 2): return Int64(Int16(bigEndian: bytes.loadUnaligned(as: Int16.self)))
            case (let type, let length):
                throw PQError("column \(column) of \(statement) is of type \(type) (\(length) bytes), not an integer")
            }
        }
    }

    /// A text column (binary format of text is its UTF-8 bytes).
    func string(_ row: Int, _ column: Int) throws -> String {
        try withBytes(row, column) { String(decoding: $0, as: UTF8.self) }
    }

    /// The value's bytes, valid inside `body` only; a NULL or a missing row or column throws.
    func withBytes<T>(_ row: Int, _ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard row < rows, column < Int(PQnfields(handle)) else {
            throw PQError("no row \(row), column \(column) from \(statement) (\(rows) rows)")
        }
        guard PQgetisnull(handle, Int32(row), Int32(column)) == 0 else {
            throw PQError("row \(row), column \(column) of \(statement) is NULL")
        }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return try body(UnsafeRawBufferPointer(start: PQgetvalue(handle, Int32(row), Int32(column)), count: length))
    }
}
