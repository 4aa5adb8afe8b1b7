import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a flag the runner polls, so an interrupted `bpbench run`
/// stops its child, keeps the rows it finished, and marks the run `interrupted`.
public final class Interruption: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    private var sources: [DispatchSourceSignal] = []  // written once, by install()

    public init() {}

    public var isInterrupted: Bool { flag.load(ordering: .acquiring) }

    /// Takes over SIGINT and SIGTERM for the rest of the process.
    public func install() {
        let queue = DispatchQueue(label: "bpbench.signals")
        var installed: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [self] in
                if self.flag.exchange(true, ordering: .acquiringAndReleasing) {
                    _exit(130)  // a second interrupt: the user means it
                }
            }
            source.resume()
            installed.append(source)
        }
        sources = installed
    }

    /// For tests: behave as if a signal had arrived.
    public func trigger() { flag.store(true, ordering: .releasing) }
}
