import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// The parent's supervision loop for one child: reads the launcher's control lines, samples
/// `/proc/PID/status` every interval, and kills the child on memory cap, timeout or interrupt.
struct Watch {
    struct Exit {
        var code: Int32 = 0
        var signal: Int32 = 0
        var signaled = false
        var maxRssKiB = 0
        var userS = 0.0
        var systemS = 0.0
        var counts: LauncherMessage.KernelCounts?
    }

    let limits: ChildLimits
    let startNs: UInt64
    private(set) var childPID: pid_t?
    private(set) var exit: Exit?
    private(set) var peakRss = 0
    private(set) var lastHwm = 0
    private(set) var samples = 0
    private(set) var rssTimeline: [(tMs: Double, rss: Int, treeRss: Int?)] = []
    /// The child's descendants (``ProcessTree``), once its pid is known.
    private(set) var tree: ProcessTree?
    /// The tree's peaks over every sample (total, largest single process, most processes).
    private(set) var treePeak = ProcessTree.Reading(totalBytes: 0, largestBytes: 0, processes: 0)
    /// The most threads the child had at once (`Threads:` of /proc/PID/status).
    private(set) var peakThreads = 0
    /// The launcher's `spawn-error`, in words: the scenario never ran.
    private(set) var spawnError: String?
    private(set) var killedFor: RunStatus?
    private(set) var killDetail: String?
    private(set) var killedAtS: Double?
    private(set) var rssAtKill: Int?
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
        while exit == nil {
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
                if exit != nil { break }
            }
            let nowNs = System.monotonicNanoseconds()
            let elapsedMs = Double(nowNs - startNs) / 1e6
            if let reader {
                // statm every sample; the full status (high-water mark, threads) every walk interval.
                if nowNs - lastStatusNs >= ProcessTree.discoveryIntervalNs, let status = reader.read() {
                    lastHwm = max(lastHwm, status.hwmBytes)
                    peakThreads = max(peakThreads, status.threads)
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
            if stage == "fork" || stage == "wait" { exit = Exit(code: 71) }  // the launcher ends now
        case .exit(let status, let maxRssKiB, let userS, let systemS, let counts):
            var exit = Exit()
            if status & 0x7f == 0 {
                exit.code = (status >> 8) & 0xff
            } else {
                exit.signaled = true
                exit.signal = status & 0x7f
            }
            exit.maxRssKiB = maxRssKiB
            exit.userS = userS
            exit.systemS = systemS
            exit.counts = counts
            self.exit = exit
        case nil:
            break
        }
    }

    /// Takes one reading; returns the tree's total RSS.
    @discardableResult
    private mutating func sample(_ rssBytes: Int, atMs elapsedMs: Double, nowNs: UInt64) -> Int {
        samples += 1
        peakRss = max(peakRss, rssBytes)
        let reading =
            tree?.sample(rootBytes: rssBytes, nowNs: nowNs)
            ?? ProcessTree.Reading(totalBytes: rssBytes, largestBytes: rssBytes, processes: 1)
        treePeak.totalBytes = max(treePeak.totalBytes, reading.totalBytes)
        treePeak.largestBytes = max(treePeak.largestBytes, reading.largestBytes)
        treePeak.processes = max(treePeak.processes, reading.processes)
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
        killedAtS = atMs / 1000
        rssAtKill = rss ?? peakRss
    }
}
