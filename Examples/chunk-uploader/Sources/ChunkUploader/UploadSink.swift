/// Where chunks go: a remote that takes one chunk at a time, at its own pace (an object store, an
/// HTTP endpoint). Both uploaders are written against it.
public protocol UploadSink: Sendable {
    /// Sends one chunk; returns once the remote has taken it.
    func upload(_ chunk: [UInt8]) async throws
}
