import CLibPQ

/// One statement parameter in PostgreSQL's binary wire format, with its type's OID: the producer
/// sends a batch of events as three arrays (`unnest($1::bigint[], $2::int[], $3::bytea[])`), so
/// its 1 KiB payloads travel as bytes, not as hex text twice their size.
struct PQParameter: Sendable {
    /// pg_type OIDs (fixed in PostgreSQL's catalog since 7.x).
    enum TypeOID {
        static let bytea: Oid = 17, int8: Oid = 20, int4: Oid = 23
        static let byteaArray: Oid = 1001, int4Array: Oid = 1007, int8Array: Oid = 1016
    }

    let type: Oid
    let bytes: [UInt8]

    static func int64(_ value: Int64) -> PQParameter {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(value)
        return PQParameter(type: TypeOID.int8, bytes: bytes)
    }

    static func int64Array(_ values: [Int64]) -> PQParameter {
        array(of: TypeOID.int8, as: TypeOID.int8Array, values, capacity: values.count * 12) { $0.appendElement($1) }
    }

    static func int32Array(_ values: [Int32]) -> PQParameter {
        array(of: TypeOID.int4, as: TypeOID.int4Array, values, capacity: values.count * 8) { $0.appendElement($1) }
    }

    static func byteaArray(_ values: [[UInt8]]) -> PQParameter {
        let capacity = values.reduce(0) { $0 + 4 + $1.count }
        return array(of: TypeOID.bytea, as: TypeOID.byteaArray, values, capacity: capacity) { bytes, value in
            bytes.appendBigEndian(Int32(value.count))
            bytes += value
        }
    }

    /// array_recv's layout: dimensions, a has-nulls flag, the element type, then per dimension its
    /// length and lower bound (1), then each element as a length and its bytes. An empty array
    /// has no dimensions.
    private static func array<Element>(
        of element: Oid, as arrayType: Oid, _ values: [Element], capacity: Int,
        _ append: (inout [UInt8], Element) -> Void
    ) -> PQParameter {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20 + capacity)
        bytes.appendBigEndian(Int32(values.isEmpty ? 0 : 1))
        bytes.appendBigEndian(Int32(0))
        bytes.appendBigEndian(element)
        if !values.isEmpty {
            bytes.appendBigEndian(Int32(values.count))
            bytes.appendBigEndian(Int32(1))
        }
        for value in values { append(&bytes, value) }
        return PQParameter(type: arrayType, bytes: bytes)
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// One fixed-width array element: its length, then its value.
    fileprivate mutating func appendElement<Integer: FixedWidthInteger>(_ value: Integer) {
        appendBigEndian(Int32(MemoryLayout<Integer>.size))
        appendBigEndian(value)
    }
}
