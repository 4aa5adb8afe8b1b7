import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The layout of every item a data-moving scenario sends, so any consumer can check it.
///
/// ```
/// bytes 0..<8    sequence number (little-endian)
/// bytes 8..<16   timestamp slot: monotonic ns when the item entered the sink (0 = unstamped)
/// bytes 16...    a pattern derived from the sequence number (xorshift64*)
/// ```
/// The timestamp slot is left out of the item's hash, so stamping an item in flight (to measure
/// its latency) does not change its checksum.
public enum ItemCodec {
    public static let headerBytes = 16
    static let timestampOffset = 8

    /// Writes item `sequence` into `buffer` (whose count is the item size).
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer, sequence: UInt64) {
        precondition(buffer.count >= headerBytes, "items are at least \(headerBytes) bytes")
        buffer.storeBytes(of: sequence.littleEndian, toByteOffset: 0, as: UInt64.self)
        buffer.storeBytes(of: 0, toByteOffset: timestampOffset, as: UInt64.self)
        var state = PatternGenerator(sequence: sequence)
        var offset = headerBytes
        while offset + 8 <= buffer.count {
            buffer.storeBytes(of: state.next().littleEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        if offset < buffer.count {
            let word = state.next()
            for index in offset..<buffer.count {
                buffer[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index - offset)))
            }
        }
    }

    /// A new item as an array (the allocation a naive producer makes per item); `stamped` puts
    /// the current time in its timestamp slot, for a latency measured where it is consumed.
    public static func makeItem(sequence: UInt64, itemBytes: Int, stamped: Bool = false) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: itemBytes) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            fill(raw, sequence: sequence)
            if stamped { stamp(raw) }
            count = itemBytes
        }
    }

    /// Stamps the item at the start of `buffer` with the current monotonic time.
    public static func stamp(_ buffer: UnsafeMutableRawBufferPointer) {
        buffer.storeBytes(of: MonotonicClock.nanoseconds().littleEndian, toByteOffset: timestampOffset, as: UInt64.self)
    }

    public static func sequence(of item: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(littleEndian: item.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
    }

    public static func timestamp(of item: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(littleEndian: item.loadUnaligned(fromByteOffset: timestampOffset, as: UInt64.self))
    }

    /// The item's hash: every byte but the timestamp slot.
    public static func hash(_ item: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 29
        }
        mix(item.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        var offset = headerBytes
        while offset + 8 <= item.count {
            mix(item.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        while offset < item.count {
            mix(UInt64(item[offset]))
            offset += 1
        }
        return hash
    }

    /// The checksum a consumer must arrive at after receiving items `0..<items`, computed from
    /// the pattern itself, never from what the producer read or sent.
    ///
    /// Memoized: call it from `prepare` and the timed run's verification finds it ready (for a
    /// 312 MiB stream it costs about 0.3 s, which must not count as transfer time).
    public static func expectedChecksum(items: Int, itemBytes: Int, ordered: Bool) -> Checksum {
        let key = ExpectedKey(items: items, itemBytes: itemBytes, ordered: ordered)
        if let known = expectedCache.withLock({ $0[key] }) { return known }
        let checksum = computeExpectedChecksum(items: items, itemBytes: itemBytes, ordered: ordered)
        expectedCache.withLock { $0[key] = checksum }
        return checksum
    }

    private struct ExpectedKey: Hashable {
        var items: Int
        var itemBytes: Int
        var ordered: Bool
    }

    private static let expectedCache = Mutex<[ExpectedKey: Checksum]>([:])

    private static func computeExpectedChecksum(items: Int, itemBytes: Int, ordered: Bool) -> Checksum {
        var checksum = Checksum(ordered: ordered)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: itemBytes, alignment: 8)
        defer { buffer.deallocate() }
        for sequence in 0..<UInt64(items) {
            fill(buffer, sequence: sequence)
            checksum.add(itemHash: hash(UnsafeRawBufferPointer(buffer)))
        }
        return checksum
    }
}

/// xorshift64*: fast, deterministic per sequence number, and not all zeros.
struct PatternGenerator {
    var state: UInt64
    init(sequence: UInt64) { state = (sequence &+ 1) &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
