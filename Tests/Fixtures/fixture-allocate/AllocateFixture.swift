import ScenarioKit

/// Test fixture: allocates `megabytes` MiB with malloc, touches every page, holds it for `hold`,
/// then frees it. The harness's tests check that jemalloc's `stats.allocated` and the kernel's
/// peak RSS both see it.
@main
struct AllocateFixture: Scenario {
    static let megabytes = Param<Int>.count("megabytes", default: "64", min: 0, help: "MiB to allocate")
    static let hold = Param<Double>.duration("hold", default: "100ms", help: "how long to hold the allocation")
    static let idle = Param<Double>.duration(
        "idle", default: "0ms", help: "how long to wait, heap flat, before allocating (lets the sampler back off)")
    static let held = GaugeName("held_bytes")

    static let definition = ScenarioDescription(
        name: "fixture-allocate", summary: "Test fixture: allocate a known number of MiB and hold it",
        parameters: [megabytes, hold, idle], gauges: [held], hidden: true)

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        if context[idle] > 0 { try await Task.sleep(for: .seconds(context[idle])) }
        let bytes = context[megabytes] << 20
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 4096)
        defer { block.deallocate() }
        var checksum = Checksum(ordered: false)
        var offset = 0
        while offset < bytes {
            block.storeBytes(of: UInt8(truncatingIfNeeded: offset >> 12), toByteOffset: offset, as: UInt8.self)
            offset += 4096
        }
        context[held].set(bytes)
        try await Task.sleep(for: .seconds(context[hold]))
        checksum.add(itemHash: UInt64(bytes))
        context.addProgress(items: 1, bytes: bytes)
        context[held].set(0)
        return VerificationReport.compare(expected: checksum, received: checksum)
    }
}
