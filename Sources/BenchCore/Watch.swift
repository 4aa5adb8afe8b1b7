import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// The parent's supervision loop for one child: reads the launcher's control lines, samples
/// `/proc/PID/status` every interval, and kills the child on memory cap, timeout or interrupt.
/// What it measures goes straight into ``observed`` — the kernel's exit figures as the
/// launcher's `exit` line gives them, the /proc peaks, the tree's, the kill — which the child
/// runner keeps as the record's ``ParentObservation``.
struct Watch {
    let limits: ChildLimits
    let startNs: UInt64
    private(set) var childPID: pid_t?
    /// Whether the launcher reported the child's end (its exit, or a spawn that failed where the
    /// launcher ends too); until then the loop runs.
    private(set) var exitReported = false
    /// What the parent measured so far (the record's ``RunRecord/observed``; the runner adds the
    /// wall and harness CPU time, pipe holders and what the child said).
    private(set) var observed = ParentObservation()
    private(set) var rssTimeline: [(tMs: Double, rss: Int, treeRss: Int?)] = []
    /// The child's descendants (``ProcessTree``), once its pid is known.
    private(set) var tree: ProcessTree?
    /// The tree's peaks over every sample (total, largest single process, most processes).
    private(set) var treePeak = ProcessTree.Reading(totalBytes: 0, largestBytes: 0, processes: 0)
    /// The launcher's `spawn-error`, in words: the scenario never ran.
    private(set) var spawnError: String?
    private(set) var killedFor: RunStatus?
    private(set) var killDetail: String?
    private var windowMax = 0
    private var windowTreeMax = 0
    private var lastStatusNs: UInt64 = 0
    private var windowEndMs: Double

    init(limits: ChildLimits, startNs: UInt64) {
        self.limits = limits
        self.startNs = startNs
        windowEndMs = limits.timelineIntervalMs
    }

    /// Runs until the launcher reports the exit; `live` is called every ``LiveStatus/intervalNs``
    /// with the elapsed time and the RSS now (the tree's total).
    mutating func supervise(
        controlFD: Int32, interruption: Interruption?, live: (_ elapsedS: Double, _ rssBytes: Int) -> Void = { _, _ in }
    ) {
        var lastLiveNs: UInt64 = 0
        var reader: ProcStatusReader?
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let intervalMs = Int32(max(limits.sampleIntervalMs, 1).rounded())
        while !exitReported {
            var poller = pollfd(fd: controlFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, intervalMs)
            if ready > 0 {
                let count = buffer.withUnsafeMutableBytes { read(controlFD, $0.baseAddress, $0.count) }
                if count <= 0, !(count < 0 && errno == EINTR) { return }  // launcher gone without a word
                if count > 0 { pending.append(contentsOf: buffer[0..<count]) }
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    control(line, reader: &reader)
                }
                if exitReported { break }
            }
            let nowNs = System.monotonicNanoseconds()
            let elapsedMs = Double(nowNs - startNs) / 1e6
            if let reader {
                // statm every sample; the full status (high-water mark, threads) every walk interval.
                if nowNs - lastStatusNs >= ProcessTree.discoveryIntervalNs, let status = reader.read() {
                    observed.peakHwmBytes = max(observed.peakHwmBytes, status.hwmBytes)
                    if status.threads > (observed.peakThreads ?? 0) { observed.peakThreads = status.threads }
                    lastStatusNs = nowNs
                }
                if let rss = reader.residentBytes() {
                    let total = sample(rss, atMs: elapsedMs, nowNs: nowNs)
                    if nowNs - lastLiveNs >= LiveStatus.intervalNs {
                        live(elapsedMs / 1000, total)
                        lastLiveNs = nowNs
                    }
                }
            }
            if killedFor == nil {
                if interruption?.isInterrupted == true {
                    killChild(.interrupted, "the harness was interrupted", atMs: elapsedMs)
                } else if let killAfter = limits.killAfterS, elapsedMs > killAfter * 1000 {
                    killChild(
                        .killed, String(format: "killed on purpose after %.3f s (crash test)", elapsedMs / 1000),
                        atMs: elapsedMs)
                } else if elapsedMs > limits.timeoutS * 1000 {
                    killChild(.timeout, "still running after \(limits.timeoutS) s", atMs: elapsedMs)
                }
            }
        }
        flushWindow()
    }

    private mutating func control(_ line: String, reader: inout ProcStatusReader?) {
        switch LauncherMessage(line: line) {
        case .pid(let pid):
            childPID = pid
            reader = ProcStatusReader(pid: pid)
            tree = ProcessTree(root: pid)
        case .spawnError(let code, let stage):
            spawnError = LauncherMessage.spawnErrorDetail(errno: code, stage: stage)
            if stage == "fork" || stage == "wait" {  // the launcher ends now
                observed.exitCode = 71
                exitReported = true
            }
        case .exit(let status, let maxRssKiB, let userS, let systemS, let counts):
            if status & 0x7f == 0 {
                observed.exitCode = (status >> 8) & 0xff
            } else {
                observed.signal = status & 0x7f
            }
            observed.peakRssBytes = maxRssKiB * 1024
            observed.userCpuS = userS
            observed.systemCpuS = systemS
            observed.voluntaryContextSwitches = counts?.voluntaryContextSwitches
            observed.involuntaryContextSwitches = counts?.involuntaryContextSwitches
            observed.minorFaults = counts?.minorFaults
            observed.majorFaults = counts?.majorFaults
            exitReported = true
        case nil:
            break
        }
    }

    /// Takes one reading; returns the tree's total RSS.
    @discardableResult
    private mutating func sample(_ rssBytes: Int, atMs elapsedMs: Double, nowNs: UInt64) -> Int {
        observed.parentSamples += 1
        observed.peakRssSampledBytes = max(observed.peakRssSampledBytes, rssBytes)
        let reading =
            tree?.sample(rootBytes: rssBytes, nowNs: nowNs)
            ?? ProcessTree.Reading(totalBytes: rssBytes, largestBytes: rssBytes, processes: 1)
        observed.io = tree?.lastIO  // read with each walk, ≤ 50 ms before the exit
        treePeak.totalBytes = max(treePeak.totalBytes, reading.totalBytes)
        treePeak.largestBytes = max(treePeak.largestBytes, reading.largestBytes)
        treePeak.processes = max(treePeak.processes, reading.processes)
        if treePeak.processes > 1 {  // a child that started none has no tree figures
            observed.peakTreeRssBytes = treePeak.totalBytes
            observed.peakLargestProcessRssBytes = treePeak.largestBytes
            observed.maxProcesses = treePeak.processes
        }
        if elapsedMs > windowEndMs { flushWindow() }
        while elapsedMs > windowEndMs { windowEndMs += limits.timelineIntervalMs }
        windowMax = max(windowMax, rssBytes)
        windowTreeMax = max(windowTreeMax, reading.totalBytes)
        // The cap holds for everything the scenario started: workers it forked count too.
        if killedFor == nil, reading.totalBytes > limits.memoryCapBytes {
            let what = reading.processes > 1 ? "RSS of its \(reading.processes) processes" : "RSS"
            killChild(
                .memoryCap, "\(what) \(reading.totalBytes) bytes passed the cap of \(limits.memoryCapBytes)",
                atMs: elapsedMs, rss: reading.totalBytes)
        }
        return reading.totalBytes
    }

    private mutating func flushWindow() {
        guard windowMax > 0 else { return }
        rssTimeline.append((windowEndMs, windowMax, treePeak.processes > 1 ? windowTreeMax : nil))
        windowMax = 0
        windowTreeMax = 0
    }

    private mutating func killChild(_ reason: RunStatus, _ detail: String, atMs: Double, rss: Int? = nil) {
        guard let pid = childPID else { return }
        kill(pid, SIGKILL)
        tree?.killSurvivors()
        killedFor = reason
        killDetail = detail
        observed.killedAtS = atMs / 1000
        observed.rssAtKillBytes = rss ?? observed.peakRssSampledBytes
    }
}
