/// A running checksum over item hashes: order-sensitive for streams that promise order, or
/// order-free (a sum) for worker pools that finish items in any order.
public struct Checksum: Sendable, Equatable {
    public private(set) var value: UInt64 = 0
    public private(set) var count = 0
    public let ordered: Bool

    public init(ordered: Bool) { self.ordered = ordered }

    public mutating func add(itemHash: UInt64) {
        if ordered {
            value = ((value << 7) | (value >> 57)) ^ itemHash
            value = value &* 0x100_0000_01B3
        } else {
            value = value &+ itemHash
        }
        count += 1
    }

    /// Merges an order-free checksum computed elsewhere (another worker).
    public mutating func merge(_ other: Checksum) {
        precondition(!ordered && !other.ordered, "only order-free checksums merge")
        value = value &+ other.value
        count += other.count
    }

    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
