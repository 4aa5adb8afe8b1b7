import BenchProtocol
import NIOCore
import NIOPosix
import ScenarioKit
import ScenarioSupport
import Synchronization
import XCTest

/// Node's `Writable` contract over a real loopback socket whose reader does not read: `write`
/// says false once the queued bytes reach the high-water mark, and `drain()` waits until the
/// reader makes room.
final class WritableTests: XCTestCase {
    static func context() throws -> ScenarioContext {
        let description = ScenarioDescription(name: "writable-test", summary: "", parameters: [])
        return ScenarioContext(
            parameters: try Parameters(description: description, resolved: []), profile: "quick",
            cacheDirectory: NSTemporaryDirectory(), workDirectory: NSTemporaryDirectory())
    }

    func testWriteSaysFalseAtTheMarkAndDrainResumesWhenTheReaderReads() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let accepted = group.next().makePromise(of: Channel.self)
        let server = try await ServerBootstrap(group: group)
            // On the listening socket, so the accepted one starts small: set only after accept,
            // the window was already negotiated from the default buffer, the kernel soaked up
            // megabytes, and the loop below took ~780 rounds of 100 ms (79 s) to fill it.
            .serverChannelOption(.socketOption(.so_rcvbuf), value: 4096)
            .childChannelOption(.autoRead, value: false)  // the reader does not read until told
            .childChannelOption(.socketOption(.so_rcvbuf), value: 4096)
            .childChannelInitializer { channel in
                accepted.succeed(channel)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let highWaterMark = 64 * 1024
        let client = try await ClientBootstrap(group: group)
            .channelOption(.writeBufferWaterMark, value: .init(low: highWaterMark / 2, high: highWaterMark))
            .channelOption(.socketOption(.so_sndbuf), value: 4096)
            .connect(host: "127.0.0.1", port: server.localAddress!.port!).get()
        let reader = try await accepted.futureResult.get()
        let context = try Self.context()
        let writable = try await Writable(channel: client, highWaterMark: highWaterMark, context: context)

        // Write until `write` says false, then wait for drain. While the kernel's socket buffers
        // can still take bytes, NIO gets the queue below the mark by the time drain() looks and
        // it returns at once (that is correct: the channel is writable); so keep going until
        // drain() really waits — the reader reads nothing, so that must happen.
        let chunk = ByteBuffer(repeating: 7, count: 16 * 1024)
        var falses = 0
        var blocked: (waiter: Task<Void, Error>, drained: Flag)?
        for _ in 0..<10_000 where blocked == nil {
            guard !writable.write(chunk) else { continue }
            falses += 1
            let drained = Flag()
            let waiter = Task {
                try await writable.drain()
                drained.raise()
            }
            try await Task.sleep(for: .milliseconds(100))
            if !drained.isRaised { blocked = (waiter, drained) }
        }
        XCTAssertGreaterThan(falses, 0, "write never reported the buffer full to a reader that does not read")
        XCTAssertGreaterThanOrEqual(context[Writable.buffered].maximum, highWaterMark)
        let (waiter, drained) = try XCTUnwrap(blocked, "drain() never waited, though the reader read nothing")

        // The reader starts reading: the socket empties, NIO's pending writes go out, writability
        // comes back, and the waiter resumes.
        try await reader.setOption(.autoRead, value: true).get()
        reader.read()
        try await waiter.value
        XCTAssertTrue(drained.isRaised, "drain() resumed once the reader made room")

        try await client.close().get()
        try await server.close().get()
        try await group.shutdownGracefully()
    }
}

/// A flag one task raises and another reads.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func raise() { value.store(true, ordering: .relaxed) }
    var isRaised: Bool { value.load(ordering: .relaxed) }
}
