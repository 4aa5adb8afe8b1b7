import ScenarioSupport
import Synchronization
import XCTest

/// The bounded queue's promises: never more than `capacity` buffered, order kept, parked
/// producers resumed when a consumer takes, after `finish`, and on cancellation.
final class BoundedChannelTests: XCTestCase {
    /// Waits (briefly, by polling) until `condition` holds: for "this task has parked".
    static func eventually(_ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) async {
        for _ in 0..<2000 where !condition() { try? await Task.sleep(for: .milliseconds(1)) }
        XCTAssertTrue(condition(), "condition never held", file: file, line: line)
    }

    func testManyProducersAndConsumersNeverExceedCapacityAndLoseNothing() async throws {
        let deepest = Atomic<Int>(0)
        let channel = BoundedChannel<Int>(capacity: 3) { depth in
            _ = deepest.max(depth, ordering: .relaxed)
        }
        let received = await withTaskGroup(of: [Int].self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for value in 0..<250 { try? await channel.send(producer * 1000 + value) }
                    return []
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    var got: [Int] = []
                    while let value = try? await channel.receive() { got.append(value) }
                    return got
                }
            }
            // Finish once every producer is done: the group's first four results are theirs.
            var all: [Int] = []
            var producersDone = 0
            for await partial in group {
                if partial.isEmpty {
                    producersDone += 1
                    if producersDone == 4 { channel.finish() }
                } else {
                    all += partial
                }
            }
            return all
        }
        XCTAssertEqual(received.count, 1000)
        XCTAssertEqual(Set(received).count, 1000, "an element was duplicated or lost")
        XCTAssertLessThanOrEqual(deepest.load(ordering: .relaxed), 3)
        XCTAssertEqual(channel.highWaterMark, 3, "four fast producers must fill a 3-deep buffer")
    }

    func testOneProducerKeepsOrder() async throws {
        let channel = BoundedChannel<Int>(capacity: 2)
        let producer = Task {
            for value in 0..<100 { try await channel.send(value) }
            channel.finish()
        }
        var got: [Int] = []
        while let value = try await channel.receive() { got.append(value) }
        try await producer.value
        XCTAssertEqual(got, Array(0..<100))
    }

    func testAParkedProducerResumesWhenAConsumerTakes() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        let value1 = try await channel.send(1)
        XCTAssertFalse(value1, "room in the buffer: no wait")
        let resumed = Atomic<Bool>(false)
        let producer = Task {
            let waited = try await channel.send(2)
            resumed.store(true, ordering: .relaxed)
            return waited
        }
        try await Task.sleep(for: .milliseconds(50))
        XCTAssertFalse(resumed.load(ordering: .relaxed), "the buffer is full: send must wait")
        let value2 = try await channel.receive()
        XCTAssertEqual(value2, 1)
        let waited = try await producer.value
        XCTAssertTrue(waited)
        XCTAssertEqual(channel.count, 1, "the parked element moved into the freed slot")
        let value3 = try await channel.receive()
        XCTAssertEqual(value3, 2)
    }

    func testAfterFinishConsumersDrainParkedProducersThenGetNil() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(1)
        let producer = Task { try await channel.send(2) }
        await Self.eventually { channel.count == 1 }
        try await Task.sleep(for: .milliseconds(20))
        channel.finish()
        let value4 = try await channel.receive()
        XCTAssertEqual(value4, 1)
        let value5 = try await channel.receive()
        XCTAssertEqual(value5, 2)
        let value6 = try await producer.value
        XCTAssertTrue(value6)
        let value7 = try await channel.receive()
        XCTAssertNil(value7)
    }

    func testFinishWakesAnIdleConsumer() async throws {
        let channel = BoundedChannel<Int>(capacity: 4)
        let consumer = Task { try await channel.receive() }
        try await Task.sleep(for: .milliseconds(20))
        channel.finish()
        let value = try await consumer.value
        XCTAssertNil(value)
    }

    func testCancellingAParkedProducerResumesItWithoutSending() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(1)
        let producer = Task { try await channel.send(2) }
        try await Task.sleep(for: .milliseconds(30))
        producer.cancel()
        do {
            _ = try await producer.value
            XCTFail("a cancelled send must throw")
        } catch is CancellationError {}
        channel.finish()
        let value8 = try await channel.receive()
        XCTAssertEqual(value8, 1)
        let value9 = try await channel.receive()
        XCTAssertNil(value9, "the cancelled element must not have been sent")
    }

    func testCancellingAParkedConsumerResumesIt() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        let consumer = Task { try await channel.receive() }
        try await Task.sleep(for: .milliseconds(30))
        consumer.cancel()
        do {
            _ = try await consumer.value
            XCTFail("a cancelled receive must throw")
        } catch is CancellationError {}
        // The channel still works, and nothing is handed to the gone consumer.
        try await channel.send(7)
        let value10 = try await channel.receive()
        XCTAssertEqual(value10, 7)
    }

    func testACapacityOfZeroHandsEachElementOver() async throws {
        let channel = BoundedChannel<Int>(capacity: 0)
        let producer = Task { try await channel.send(5) }
        let received = try await channel.receive()
        XCTAssertEqual(received, 5)
        _ = try await producer.value  // it waited or found the receiver parked: either way it was handed over
        XCTAssertEqual(channel.highWaterMark, 0, "nothing is ever buffered")
    }
}
