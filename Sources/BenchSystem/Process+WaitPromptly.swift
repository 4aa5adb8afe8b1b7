import Foundation

extension Process {
    /// Waits for the process to end, noticing within a millisecond. swift-corelibs-foundation's
    /// `waitUntilExit()` runs the current run loop in 50 ms slices until `isRunning` turns false,
    /// and nothing wakes that run loop when the child ends, so each wait costs up to 50 ms
    /// whatever the child does: `bpbench list` — 22 scenario `--describe`s of ≈ 10 ms each —
    /// took 0.95 s wall for 0.2 CPU-s (load 3), and 22 describes in a loop 1.4–4.5 s against
    /// 0.4–1.6 s polling `isRunning` (2026-12-02, load 3–5). Every `bpbench` invocation
    /// describes its catalog, so every one paid it.
    public func waitUntilExitPromptly() {
        while isRunning { usleep(500) }
    }
}
