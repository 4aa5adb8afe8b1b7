import BenchProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A leak the harness injects into a real scenario to prove the gate catches one
/// (`bpbench gate-proof`, `leak` in `Reports/gate-proof.json`): with
/// `BPBENCH_INJECT_LEAK_PER_ITEM=F` in its environment, the child keeps F of the bytes of every
/// item it reports through ``ScenarioContext/addProgress(items:bytes:)`` until it exits — the
/// commonest real leak (a cache or a set of seen items that never shrinks), in any Swift
/// scenario, without a parameter (a new parameter would make the run incomparable with the
/// baseline) and without a build. Set on the head side only; the scenario's code is untouched,
/// so it is *harness-injected*, and the proof's table says so.
///
/// The kept bytes are written (not only reserved), so they count in the allocator's allocated
/// bytes and in RSS alike, as a real leak's would.
final class InjectedLeak: Sendable {
    /// The fraction of each item's bytes kept, in (0, 1].
    let fraction: Double
    private let kept = Mutex<[[UInt8]]>([])

    init?(fraction: Double) {
        guard fraction > 0, fraction <= 1 else { return nil }
        self.fraction = fraction
    }

    /// The leak this process was started with, or nil (the variable unset or not a fraction).
    static let inForce: InjectedLeak? = {
        guard let text = getenv(ResultProtocol.injectedLeakVariable).map({ String(cString: $0) }) else { return nil }
        return InjectedLeak(fraction: ValueParser.fraction(text) ?? 0)
    }()

    /// Keeps `fraction` of `bytes` for good.
    func retain(ofBytes bytes: Int) {
        let count = Int((Double(bytes) * fraction).rounded())
        guard count > 0 else { return }
        let block = [UInt8](repeating: 0xA5, count: count)
        kept.withLock { $0.append(block) }
    }

    /// Bytes kept so far.
    var keptBytes: Int { kept.withLock { $0.reduce(0) { $0 + $1.count } } }
}
