/// How a run ended: the one outcome type of child and parent. A child reports `ok`,
/// `failed-verification` or `error`; the parent adds what only it can see (a crash, the cap, a
/// timeout…). Everything but `ok` is still a result: it is reported, never thrown.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case ok
    /// The consumer did not receive every item intact (count or checksum or order).
    case failedVerification = "failed-verification"
    /// The scenario threw; its message is in `statusDetail`.
    case error
    /// Killed by a signal it did not get from the harness (segfault, abort, outside SIGKILL).
    case crashed
    /// Its RSS passed `--memory-cap` and the harness killed it.
    case memoryCap = "memory-cap"
    /// It ran past `--timeout` and the harness killed it.
    case timeout
    /// It wrote something on the result channel that is not the protocol.
    case protocolError = "protocol-error"
    /// It exited without a result line.
    case noResult = "no-result"
    /// The executable could not be started.
    case spawnFailed = "spawn-failed"
    /// The harness was interrupted (Ctrl-C, SIGTERM) while it ran.
    case interrupted
    /// Killed on purpose by `--crash-test` (SIGKILL at a random moment).
    case killed
    /// Not run: something the scenario declares it requires (e.g. `node`) is not on this
    /// machine. Not a failure of the scenario; the detail says what is missing.
    case skipped

    /// Whether the row ended as it should have: ok, or skipped for want of a required tool.
    public var isAcceptable: Bool { self == .ok || self == .skipped }

    /// Whether the run's figures may be compared as measurements.
    public var isMeasurement: Bool { self == .ok }
}
