import ChunkUploader
import ScenarioKit
import UploadWorkload

/// chunk-uploader's fan-in (`FanInUploader`: an `AsyncStream` with `.unbounded` buffering, one
/// upload task) against the same remote: `yield` never waits, so the chunks the remote has not
/// taken yet pile up — memory grows with the input.
@main
struct FanInUpload: Scenario {
    static let bufferedChunks = GaugeName("buffered_chunks")

    static let definition = ScenarioDescription(
        name: "fanin-upload",
        summary: "chunk-uploader: producer → AsyncStream(.unbounded) → 1 upload task → paced remote",
        parameters: UploadWorkload.parameters, scale: UploadWorkload.items, gauges: [bufferedChunks],
        claims: [
            SeedClaim(
                "memory grows with the input (nothing makes the producer wait)", seed: "chunk-uploader",
                check: .memoryGrows)
        ],
        pattern: "chunk-upload")

    static func run(_ context: ScenarioContext) async throws -> VerificationReport {
        try await UploadWorkload(context: context).run(queue: bufferedChunks) { remote, buffered, produce in
            try await FanInUploader().upload(to: remote, buffered: { buffered.set($0) }, produce: produce)
        }
    }
}
