import ChunkUploader
import ScenarioKit
import Synchronization

/// What both chunk-uploader scenarios do around the uploader they measure: make `items` chunks of
/// the harness's item format, upload them to a ``PacedRemote`` taking `rate`, and verify at the
/// remote that every chunk arrived once and intact (two workers may reorder them).
public struct UploadWorkload: Sendable {
    /// Chunks the producer makes: the scale parameter.
    public static let items = Param<Int>.items(default: "2000", quick: "300")
    /// Bytes per chunk.
    public static let itemBytes = Param<Int>.bytes(
        "item_bytes", default: "64KiB", min: Double(ItemCodec.headerBytes), help: "bytes per chunk")
    /// What the remote takes per second.
    public static let remoteRate = Param<Int>.byteRate(
        "remote_rate", default: "64MiB/s", help: "what the remote takes per second (0: unpaced)")
    /// Every parameter both scenarios declare.
    public static let parameters: [any ParameterDeclaration] = [items, itemBytes, remoteRate]

    public let context: ScenarioContext
    public let items: Int
    public let itemBytes: Int
    public let rate: Int

    /// The workload as the harness resolved its parameters for this child.
    public init(context: ScenarioContext) {
        self.context = context
        items = context[Self.items]
        itemBytes = context[Self.itemBytes]
        rate = context[Self.remoteRate]
    }

    /// The producer the uploaders call: every chunk, in order, as fast as it can be made.
    public typealias Producer = @Sendable (_ send: (_ chunk: [UInt8]) async -> Void) async -> Void

    /// Runs `strategy` with the remote, the gauge (`queue`) it reports its queue to, and the producer.
    public func run(
        queue: GaugeName, _ strategy: (PacedRemote, Gauge, @escaping Producer) async throws -> Void
    ) async throws -> VerificationReport {
        let verifier = Mutex(StreamVerifier(itemBytes: itemBytes, ordered: false))
        let context = self.context
        let itemBytes = self.itemBytes
        let items = self.items
        let remote = PacedRemote(bytesPerSecond: rate) { chunk in
            verifier.withLock { verifier in chunk.withUnsafeBytes { verifier.consumeItem($0) } }
            context.addProgress(items: 1, bytes: itemBytes)
        }
        let gauge = context[queue]
        try await strategy(remote, gauge) { send in
            for sequence in 0..<items {
                await send(ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: itemBytes))
            }
        }
        return verifier.withLock { $0.report(expectedItems: items) }
    }
}
