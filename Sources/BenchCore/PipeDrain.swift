import BenchSystem
import Foundation
import Synchronization

/// The read end of a child's pipe that a reader thread drains to its end, and how the harness
/// stops waiting for that end when a process outside the child's tree keeps the pipe open.
///
/// Why: every process the child starts inherits its pipes. The child's process group and tree
/// are killed when it ends, but one that left both at once still holds them — seen here:
/// `swift-backtrace`, which the Swift runtime starts when a child crashes, re-parented to init
/// and asleep for 16 minutes — and a reader waiting for end of file would hang the run. So the
/// reader reads only what `poll` says is there, and ``finish(grace:)`` waits a grace period,
/// kills whoever still holds the pipe (no process outlives the run), waits as long again, and
/// then abandons the pipe.
final class PipeDrain: Sendable {
    let fd: Int32
    /// The pipe's inode, taken while the descriptor is surely ours (the thread closes it).
    private let inode: UInt64?
    private let done = DispatchSemaphore(value: 0)
    private let abandoned = Atomic(false)

    init(fd: Int32) {
        self.fd = fd
        inode = System.inode(fd)
    }

    /// On the reader thread: reads the next bytes into `buffer`, waiting as long as the pipe is
    /// open and not abandoned; ≤ 0 at its end (or once abandoned).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while !System.waitReadable(fd, milliseconds: 100) {
            if abandoned.load(ordering: .acquiring) { return 0 }
        }
        return System.read(fd, into: buffer)
    }

    /// On the reader thread, when it is done: closes the descriptor and releases ``finish(grace:)``.
    func finished() {
        close(fd)
        done.signal()
    }

    /// Whether the harness stopped waiting before the end of the pipe.
    var wasAbandoned: Bool { abandoned.load(ordering: .acquiring) }

    /// Waits for the reader to reach the end; returns the processes killed for holding the pipe.
    func finish(grace: Double = 5) -> [pid_t] {
        guard done.wait(timeout: .now() + grace) == .timedOut else { return [] }
        var killed: [pid_t] = []
        if let inode {
            killed = System.processesHoldingPipe(inode)
            for pid in killed { kill(pid, SIGKILL) }
        }
        if done.wait(timeout: .now() + grace) == .timedOut {
            abandoned.store(true, ordering: .releasing)
            done.wait()
        }
        return killed
    }
}
