/// Checks a byte stream at the consumer: frames it into items, checks sequence numbers, hashes
/// each item, and records each stamped item's latency.
///
/// Bytes may arrive in any chunking (TCP segments, file blocks); the verifier stages partial
/// items itself. Everything it learns ends up in ``report(expectedItems:)``.
public struct StreamVerifier {
    public let itemBytes: Int
    public private(set) var receivedItems = 0
    public private(set) var outOfOrderItems = 0
    public private(set) var checksum: Checksum
    private var nextSequence: UInt64 = 0
    private var staging: UnsafeMutableRawBufferPointer
    private var staged = 0
    private let latency: LatencyRecorder?

    /// - Parameters:
    ///   - ordered: whether the stream promises order (then the checksum is order-sensitive and
    ///     every gap or swap is a problem).
    ///   - latency: where to record `now - stamp` for each stamped item.
    public init(itemBytes: Int, ordered: Bool = true, latency: LatencyRecorder? = nil) {
        self.itemBytes = itemBytes
        self.checksum = Checksum(ordered: ordered)
        self.latency = latency
        staging = .allocate(byteCount: itemBytes, alignment: 8)
    }

    /// Frees the staging buffer; call once when done (the verifier is a value type on a hot path).
    public func release() { staging.deallocate() }

    /// Consumes the next bytes of the stream. Returns how many items they completed.
    @discardableResult
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Int {
        var completed = 0
        var offset = 0
        if staged > 0 {
            let take = min(itemBytes - staged, bytes.count)
            UnsafeMutableRawBufferPointer(rebasing: staging[staged..<(staged + take)]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            staged += take
            offset = take
            if staged == itemBytes {
                accept(UnsafeRawBufferPointer(staging))
                staged = 0
                completed += 1
            }
        }
        while bytes.count - offset >= itemBytes {
            accept(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + itemBytes)]))
            offset += itemBytes
            completed += 1
        }
        if offset < bytes.count {
            let rest = bytes.count - offset
            UnsafeMutableRawBufferPointer(rebasing: staging[0..<rest]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            staged = rest
        }
        return completed
    }

    /// Consumes one whole item delivered as a unit (queues, databases).
    public mutating func consumeItem(_ item: UnsafeRawBufferPointer) {
        precondition(staged == 0 && item.count == itemBytes)
        accept(item)
    }

    private mutating func accept(_ item: UnsafeRawBufferPointer) {
        let sequence = ItemCodec.sequence(of: item)
        if checksum.ordered {
            if sequence != nextSequence { outOfOrderItems += 1 }
            nextSequence = sequence &+ 1
        }
        let stamp = ItemCodec.timestamp(of: item)
        if stamp != 0, let latency {
            let now = MonotonicClock.nanoseconds()
            latency.record(nanoseconds: now >= stamp ? now - stamp : 0)
        }
        checksum.add(itemHash: ItemCodec.hash(item))
        receivedItems += 1
    }

    /// Compares what arrived with what `expectedItems` items of the pattern must give.
    public func report(expectedItems: Int) -> VerificationReport {
        let expected = ItemCodec.expectedChecksum(items: expectedItems, itemBytes: itemBytes, ordered: checksum.ordered)
        return VerificationReport.compare(
            expected: expected, received: checksum, outOfOrder: outOfOrderItems, trailingBytes: staged)
    }
}

extension VerificationReport {
    /// Builds the report for an expected and a received checksum, listing every mismatch.
    public static func compare(
        expected: Checksum, received: Checksum, outOfOrder: Int = 0, trailingBytes: Int = 0
    ) -> VerificationReport {
        var problems: [String] = []
        if received.count != expected.count {
            problems.append("received \(received.count) items, expected \(expected.count)")
        }
        if received.value != expected.value {
            problems.append("checksum \(received.hex) differs from expected \(expected.hex)")
        }
        if outOfOrder > 0 { problems.append("\(outOfOrder) items arrived out of order") }
        if trailingBytes > 0 { problems.append("\(trailingBytes) trailing bytes do not form a whole item") }
        return VerificationReport(
            expectedItems: expected.count, receivedItems: received.count,
            expectedChecksum: expected.hex, receivedChecksum: received.hex,
            inOrder: outOfOrder == 0, problems: problems)
    }
}
