import ChunkUploader
import ScenarioKit
import UploadWorkload

/// chunk-uploader's bounded pipeline (`BoundedPipelineUploader` with the library's default
/// capacity) against a remote taking 64 MiB/s: the producer waits on the channel, so the chunks
/// held stay at the library's bound whatever the input size.
@main
struct BoundedUpload: Scenario {
    static let queueDepth = GaugeName("queue_depth")

    static let definition = ScenarioDescription(
        name: "bounded-upload",
        summary:
            "chunk-uploader: producer → bounded channel (the library's default capacity) → 2 upload workers → paced remote",
        parameters: UploadWorkload.parameters, scale: UploadWorkload.items, gauges: [queueDepth],
        claims: [SeedClaim("memory bounded whatever the input", seed: "chunk-uploader", check: .memoryBounded)],
        pattern: "chunk-upload")

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        try await UploadWorkload(context: context).run(queue: queueDepth) { remote, depth, produce in
            try await BoundedPipelineUploader().upload(to: remote, depth: { depth.set($0) }, produce: produce)
        }
    }
}
