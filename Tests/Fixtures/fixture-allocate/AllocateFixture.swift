import ScenarioKit

/// Test fixture: allocates `megabytes` MiB with malloc, touches every page, holds it for `hold`,
/// then frees it. The harness's tests check that jemalloc's `stats.allocated` and the kernel's
/// peak RSS both see it.
@main
struct AllocateFixture: Scenario {
    static let definition = ScenarioDescription(
        name: "fixture-allocate", summary: "Test fixture: allocate a known number of MiB and hold it",
        parameters: [
            ParameterSpec("megabytes", .count, default: "64", min: 0, help: "MiB to allocate"),
            ParameterSpec("hold", .duration, default: "100ms", help: "how long to hold the allocation"),
        ],
        hidden: true)

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        let bytes = context.parameters.count("megabytes") << 20
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 4096)
        defer { block.deallocate() }
        var checksum = Checksum(ordered: false)
        var offset = 0
        while offset < bytes {
            block.storeBytes(of: UInt8(truncatingIfNeeded: offset >> 12), toByteOffset: offset, as: UInt8.self)
            offset += 4096
        }
        context.gauge("held_bytes").set(bytes)
        try await Task.sleep(for: .seconds(context.parameters.seconds("hold")))
        checksum.add(itemHash: UInt64(bytes))
        context.addProgress(items: 1, bytes: bytes)
        context.gauge("held_bytes").set(0)
        return VerificationReport.compare(expected: checksum, received: checksum)
    }
}
