import ScenarioKit

/// Test fixture: the commonest real leak. It streams `items` items of `item_bytes` through a
/// consumer that verifies each one and keeps `retain_bytes` of it for good (a set of seen IDs, a
/// retained closure). The growth verdict must call it *grows-with-input* at 512 B per 16 KiB item
/// (1/32 of each item, twice the verdict's 1/64 floor) and *bounded* at 0.
@main
struct RetainFixture: Scenario {
    static let items = Param<Int>.count("items", default: "2000", min: 1, help: "items streamed")
    static let itemBytes = Param<Int>.bytes("item_bytes", default: "16KiB", min: 64, help: "bytes per item")
    static let retainBytes = Param<Int>.bytes(
        "retain_bytes", default: "512", min: 0, help: "bytes kept for good from each item")
    static let kept = GaugeName("kept_bytes")

    static let definition = ScenarioDescription(
        name: "fixture-retain", summary: "Test fixture: a consumer that keeps retain_bytes of every item it sees",
        parameters: [items, itemBytes, retainBytes], scale: items, gauges: [kept], hidden: true)

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let items = context[Self.items]
        let itemBytes = context[Self.itemBytes]
        let retain = context[retainBytes]
        var keptItems: [[UInt8]] = []
        var received = Checksum(ordered: true)
        for sequence in 0..<items {
            let item = ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: itemBytes)
            let hash = item.withUnsafeBytes { ItemCodec.hash($0) }
            received.add(itemHash: hash)
            if retain > 0 { keptItems.append(Array(item.prefix(retain))) }
            context.addProgress(items: 1, bytes: itemBytes)
            if sequence % 64 == 0 { await Task.yield() }
        }
        context[kept].set(keptItems.count * retain)
        withExtendedLifetime(keptItems) {}
        return VerificationReport.compare(
            expected: ItemCodec.expectedChecksum(items: items, itemBytes: itemBytes, ordered: true), received: received)
    }
}
