import ScenarioKit

/// Test fixture for `check`'s what-grew profile: a consumer that keeps `retain_bytes` of every
/// item in one function (`Ledger.keep`) and `audit_bytes` more in another
/// (`AuditTrail.record`) — so the two sides of a check can differ in *where* memory is held, and
/// the heap-profile diff must name the function that grew, not just say the heap is bigger.
@main
struct GrowSiteFixture: Scenario {
    static let items = Param<Int>.count("items", default: "400", min: 1, help: "items streamed")
    static let itemBytes = Param<Int>.bytes("item_bytes", default: "16KiB", min: 64, help: "bytes per item")
    static let retainBytes = Param<Int>.bytes(
        "retain_bytes", default: "1KiB", min: 0, help: "bytes Ledger.keep keeps for good from each item")
    static let auditBytes = Param<Int>.bytes(
        "audit_bytes", default: "0", min: 0, help: "bytes AuditTrail.record keeps for good from each item")
    static let hold = Param<Double>.duration(
        "hold", default: "10ms", min: 0, help: "how long the kept bytes are held at the end")
    static let kept = GaugeName("kept_bytes")

    static let definition = ScenarioDescription(
        name: "fixture-grow-site",
        summary:
            "Test fixture: keeps retain_bytes of every item in Ledger.keep and audit_bytes more in AuditTrail.record",
        parameters: [items, itemBytes, retainBytes, auditBytes, hold], scale: items, gauges: [kept], hidden: true)

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let items = context[Self.items]
        let itemBytes = context[Self.itemBytes]
        let ledger = Ledger(bytesPerItem: context[retainBytes])
        let audit = AuditTrail(bytesPerItem: context[auditBytes])
        var received = Checksum(ordered: true)
        for sequence in 0..<items {
            let item = ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: itemBytes)
            received.add(itemHash: item.withUnsafeBytes { ItemCodec.hash($0) })
            ledger.keep(item)
            audit.record(item)
            context.addProgress(items: 1, bytes: itemBytes)
            if sequence % 64 == 0 { await Task.yield() }
        }
        context[kept].set(ledger.bytes + audit.bytes)
        // Held `hold` (default 10 ms, the longest gap between two of the sampler's readings):
        // the peak profiler dumps within a fast tick of a rise, so a peak held this long is in the
        // profile however fast it was reached (400 items take ≈ 9 ms in a release build).
        try await Task.sleep(nanoseconds: UInt64(context[hold] * 1e9))
        withExtendedLifetime((ledger, audit)) {}
        return VerificationReport.compare(
            expected: ItemCodec.expectedChecksum(items: items, itemBytes: itemBytes, ordered: true), received: received)
    }
}

/// Keeps the first `bytesPerItem` of every item (the scenario's intended state).
final class Ledger {
    let bytesPerItem: Int
    private var entries: [[UInt8]] = []
    var bytes: Int { entries.count * bytesPerItem }

    init(bytesPerItem: Int) { self.bytesPerItem = bytesPerItem }

    /// Not inlined: the heap profile must show this frame as the allocation site.
    @inline(never)
    func keep(_ item: [UInt8]) {
        guard bytesPerItem > 0 else { return }
        entries.append(Array(item.prefix(bytesPerItem)))
    }
}

/// Keeps `bytesPerItem` more of every item: the "leak" the head side of a test introduces.
///
/// Its body differs from `Ledger.keep`'s on purpose (raw buffers, not arrays): two identical
/// `@inline(never)` bodies are merged into one symbol by the release optimizer, and the profile
/// then names one function for both (seen in the fresh-clone CI: Ledger.keep "grew", the base's
/// AuditTrail.record held 463 KB).
final class AuditTrail {
    let bytesPerItem: Int
    private var records: [UnsafeMutableRawBufferPointer] = []
    var bytes: Int { records.count * bytesPerItem }

    init(bytesPerItem: Int) { self.bytesPerItem = bytesPerItem }

    deinit { for record in records { record.deallocate() } }

    /// Not inlined: the heap profile must show this frame as the allocation site.
    @inline(never)
    func record(_ item: [UInt8]) {
        guard bytesPerItem > 0 else { return }
        let record = UnsafeMutableRawBufferPointer.allocate(byteCount: bytesPerItem, alignment: 16)
        item.withUnsafeBytes { record.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(bytesPerItem))) }
        records.append(record)
    }
}
