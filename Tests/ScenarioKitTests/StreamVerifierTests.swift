import BenchProtocol
import ScenarioKit
import XCTest

/// The consumer-side check every scenario's "ok" rests on: an intact stream passes in any
/// chunking, and each way a stream can go wrong makes the report fail.
final class StreamVerifierTests: XCTestCase {
    static let itemBytes = 44  // not a multiple of 8: the pattern's tail bytes are covered too

    /// The bytes of items `sequences`, in that order.
    static func stream(_ sequences: [UInt64]) -> [UInt8] {
        sequences.flatMap { ItemCodec.makeItem(sequence: $0, itemBytes: itemBytes) }
    }

    /// Feeds `bytes` to a fresh ordered verifier in chunks of `chunk` bytes; the report for `expected` items.
    static func verify(_ bytes: [UInt8], expected: Int, chunk: Int = 7, ordered: Bool = true) -> VerificationReport {
        var verifier = StreamVerifier(itemBytes: itemBytes, ordered: ordered)
        defer { verifier.release() }
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            bytes[offset..<end].withUnsafeBytes { _ = verifier.consume($0) }
            offset = end
        }
        return verifier.report(expectedItems: expected)
    }

    func testAnIntactStreamPassesInAnyChunking() {
        let bytes = Self.stream(Array(0..<50))
        for chunk in [1, 7, 43, 44, 45, 64, 2000] {
            let report = Self.verify(bytes, expected: 50, chunk: chunk)
            XCTAssertTrue(report.passed, "chunk \(chunk): \(report.problems)")
            XCTAssertEqual(report.receivedItems, 50)
        }
    }

    func testStampingAnItemInFlightDoesNotChangeItsChecksum() {
        var bytes = Self.stream(Array(0..<3))
        bytes.withUnsafeMutableBytes {
            ItemCodec.stamp(UnsafeMutableRawBufferPointer(rebasing: $0[Self.itemBytes..<(2 * Self.itemBytes)]))
        }
        XCTAssertTrue(Self.verify(bytes, expected: 3).passed)
    }

    func testADroppedItemFails() {
        let report = Self.verify(Self.stream([0, 1, 3, 4]), expected: 5)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.problems.contains { $0.contains("received 4 items, expected 5") }, "\(report.problems)")
    }

    func testADuplicatedItemFails() {
        let report = Self.verify(Self.stream([0, 1, 2, 2, 3]), expected: 4)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.problems.contains { $0.contains("out of order") }, "\(report.problems)")
    }

    func testTwoSwappedItemsFailAnOrderedStream() {
        let report = Self.verify(Self.stream([0, 2, 1, 3]), expected: 4)
        XCTAssertFalse(report.passed)
        XCTAssertFalse(report.inOrder)
        XCTAssertEqual(report.receivedItems, 4)
    }

    /// The other way: a worker pool promises no order, so the same swap passes there, while a
    /// duplicate still fails.
    func testOrderFreeVerificationAcceptsASwapButNotADuplicate() {
        XCTAssertTrue(Self.verify(Self.stream([0, 2, 1, 3]), expected: 4, ordered: false).passed)
        XCTAssertFalse(Self.verify(Self.stream([0, 1, 1, 3]), expected: 4, ordered: false).passed)
    }

    func testOneFlippedByteFails() {
        for position in [0, 16, 30, 43] {  // sequence, pattern start, middle, the unaligned tail
            var bytes = Self.stream(Array(0..<4))
            bytes[2 * Self.itemBytes + position] ^= 0x01
            let report = Self.verify(bytes, expected: 4)
            XCTAssertFalse(report.passed, "flipped byte \(position) of item 2 went unnoticed")
        }
    }

    /// A flipped bit inside the timestamp slot is not corruption: that slot is written in flight.
    func testTheTimestampSlotIsOutsideTheChecksum() {
        var bytes = Self.stream(Array(0..<4))
        bytes[2 * Self.itemBytes + 9] ^= 0x01
        XCTAssertTrue(Self.verify(bytes, expected: 4).passed)
    }

    func testATruncatedLastItemFails() {
        let bytes = Self.stream(Array(0..<5))
        let report = Self.verify(Array(bytes.dropLast(3)), expected: 5)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.problems.contains { $0.contains("trailing bytes") }, "\(report.problems)")
    }

    func testSurplusTrailingBytesFail() {
        let report = Self.verify(Self.stream(Array(0..<5)) + [1, 2, 3], expected: 5)
        XCTAssertFalse(report.passed)
        XCTAssertTrue(report.problems.contains { $0.contains("3 trailing bytes") }, "\(report.problems)")
    }

    func testWholeItemsFromAQueueVerifyLikeAStream() {
        var verifier = StreamVerifier(itemBytes: Self.itemBytes, ordered: false)
        defer { verifier.release() }
        for sequence in [3, 0, 2, 1] as [UInt64] {
            ItemCodec.makeItem(sequence: sequence, itemBytes: Self.itemBytes).withUnsafeBytes {
                verifier.consumeItem($0)
            }
        }
        XCTAssertTrue(verifier.report(expectedItems: 4).passed)
        XCTAssertFalse(verifier.report(expectedItems: 5).passed)
    }

    func testOrderFreeChecksumsMergeAcrossWorkers() {
        var whole = Checksum(ordered: false)
        var first = Checksum(ordered: false)
        var second = Checksum(ordered: false)
        for sequence in 0..<10 as Range<UInt64> {
            let hash = ItemCodec.makeItem(sequence: sequence, itemBytes: Self.itemBytes).withUnsafeBytes {
                ItemCodec.hash($0)
            }
            whole.add(itemHash: hash)
            if sequence.isMultiple(of: 2) { first.add(itemHash: hash) } else { second.add(itemHash: hash) }
        }
        first.merge(second)
        XCTAssertEqual(first, whole)
        XCTAssertEqual(whole, ItemCodec.expectedChecksum(items: 10, itemBytes: Self.itemBytes, ordered: false))
    }
}
