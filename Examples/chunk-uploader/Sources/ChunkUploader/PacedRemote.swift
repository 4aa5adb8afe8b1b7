import Foundation

/// A stand-in remote for benchmarks and tests: takes chunks at `bytesPerSecond` (0: as fast as
/// it can) and hands each to `receive`, which may check it.
public struct PacedRemote: UploadSink {
    public let bytesPerSecond: Int
    let receive: @Sendable ([UInt8]) -> Void
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    let sent = SentBytes()

    public init(bytesPerSecond: Int, receive: @escaping @Sendable ([UInt8]) -> Void) {
        self.bytesPerSecond = bytesPerSecond
        self.receive = receive
        start = clock.now
    }

    public func upload(_ chunk: [UInt8]) async throws {
        receive(chunk)
        guard bytesPerSecond > 0 else { return }
        // Paced on the total so far, so many small sleeps do not drift.
        let total = await sent.add(chunk.count)
        let due = start + .seconds(Double(total) / Double(bytesPerSecond))
        if due > clock.now { try await Task.sleep(until: due, clock: clock) }
    }

    actor SentBytes {
        var total = 0
        func add(_ count: Int) -> Int {
            total += count
            return total
        }
    }
}
