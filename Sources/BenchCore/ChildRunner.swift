import BenchProtocol
import Foundation

/// Limits and sampling settings for one child run.
public struct ChildLimits: Sendable {
    /// Parent /proc sampling period (and the child's jemalloc sampling period).
    public var sampleIntervalMs: Double = 1
    /// Period of the timeline the report keeps (each point is the maximum over its window).
    public var timelineIntervalMs: Double = 10
    /// RSS above which the child is killed with status `memory-cap`.
    public var memoryCapBytes: Int = 2 << 30
    /// Wall time after which the child is killed with status `timeout`.
    public var timeoutS: Double = 120
    /// Most bytes of the child's stdout+stderr kept in its log.
    public var logLimitBytes: Int = 4 << 20
    /// Kill the child with SIGKILL this many seconds after its start (status `killed`); for
    /// `--crash-test`.
    public var killAfterS: Double?

    public init() {}
}

/// Runs one scenario child under the launcher, samples /proc while it runs, enforces the memory
/// cap and the timeout, and turns whatever happened into a ``RunRecord``.
public struct ChildRunner: Sendable {
    public let launcherPath: String
    public let limits: ChildLimits
    public let interruption: Interruption?

    public init(launcherPath: String, limits: ChildLimits, interruption: Interruption? = nil) {
        self.launcherPath = launcherPath
        self.limits = limits
        self.interruption = interruption
    }

    /// Runs `program arguments…` and fills `record` (whose scenario, repeat, scale, parameters and
    /// log file are already set). Never throws: a child that cannot even start is a result too.
    public func run(program: String, arguments: [String], environment: [String: String], into record: inout RunRecord) {
        var environment = environment
        environment[ResultChannelFD.environmentVariable] = String(ResultChannelFD.number)
        // A scratch folder per child that the harness removes whatever happens: a child killed by
        // the cap, a timeout or the crash test cannot clean up after itself.
        let workDirectory = NSTemporaryDirectory() + "bpbench-work-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDirectory) }
        let arguments = arguments + ["--work-dir", workDirectory]
        let startNs = MonotonicNanoseconds.now()
        let started: ChildLauncher.Started
        do {
            started = try ChildLauncher(launcherPath: launcherPath).start(program: program, arguments: arguments, environment: environment)
        } catch {
            record.status = .spawnFailed
            record.statusDetail = error.description
            return
        }
        let reader = ResultStreamReader(fd: started.resultFD, startNanoseconds: startNs)
        reader.start()
        let output = OutputCollector(fd: started.outputFD, logPath: record.logFile, limitBytes: limits.logLimitBytes)
        output.start()

        var watch = Watch(limits: limits, startNs: startNs)
        watch.supervise(controlFD: started.controlFD, interruption: interruption)
        close(started.controlFD)
        if watch.exit == nil, let pid = watch.childPID {
            kill(pid, SIGKILL)  // the launcher vanished without reporting: do not leave the child behind
        }
        kill(-started.launcherPID, SIGKILL)  // the whole group; a no-op when all have exited
        var launcherStatus: Int32 = 0
        while waitpid(started.launcherPID, &launcherStatus, 0) < 0, errno == EINTR {}

        let received = reader.finish()
        let kept = output.finish()
        record.wallS = Double(MonotonicNanoseconds.now() - startNs) / 1e9
        Self.fill(&record, watch: watch, received: received, logDropped: kept.dropped, timelineIntervalMs: limits.timelineIntervalMs)
    }

    static func fill(_ record: inout RunRecord, watch: Watch, received: ResultStreamReader.Received, logDropped: Int, timelineIntervalMs: Double) {
        record.peakRssSampledBytes = watch.peakRss
        record.peakHwmBytes = watch.lastHwm
        record.parentSamples = watch.samples
        record.killedAtS = watch.killedAtS
        record.rssAtKillBytes = watch.rssAtKill
        if let exit = watch.exit {
            record.peakRssBytes = exit.maxRssKiB * 1024
            record.userCpuS = exit.userS
            record.systemCpuS = exit.systemS
            if exit.signaled { record.signal = exit.signal } else { record.exitCode = exit.code }
        }
        if let hello = received.hello {
            record.jemallocVersion = hello.jemallocVersion
            record.mallocConf = hello.mallocConf
            record.parameters.merge(hello.parameters) { _, child in child }
        }
        if let result = received.result {
            record.items = result.items
            record.bytes = result.bytes
            record.durationS = result.durationS
            if result.durationS > 0 {
                record.throughputItemsPerS = Double(result.items) / result.durationS
                record.throughputBytesPerS = Double(result.bytes) / result.durationS
            }
            record.peaks = result.peaks
            record.finalAllocatedBytes = result.finalAllocated
            record.latency = result.latency
            record.gaugeMaxima = result.gaugeMaxima
            record.metrics = result.metrics
            record.verification = result.verification
            record.samplerTicks = result.samplerTicks
            record.samplerTickUs = result.samplerTickUs
        }
        if received.result == nil, !received.samples.isEmpty {
            // Killed (cap, timeout, crash) before its result: the streamed samples still say how
            // far its heap got, which is the point of a memory-cap row.
            record.peaks = received.samples.reduce(into: AllocatorPeaks()) { peaks, entry in
                let sample = entry.sample
                peaks.allocated = max(peaks.allocated, sample.allocated)
                peaks.active = max(peaks.active, sample.active)
                peaks.resident = max(peaks.resident, sample.resident)
                peaks.mapped = max(peaks.mapped, sample.mapped)
                peaks.retained = max(peaks.retained, sample.retained)
            }
            record.items = received.samples.last?.sample.items ?? 0
            record.bytes = received.samples.last?.sample.bytes ?? 0
        }
        record.timeline = mergeTimeline(rss: watch.rssTimeline, samples: received.samples)
        (record.status, record.statusDetail) = status(watch: watch, received: received)
        if logDropped > 0 {
            record.statusDetail = [record.statusDetail, "log cut, \(logDropped) bytes of output dropped"].compactMap { $0 }.joined(separator: "; ")
        }
    }

    /// Precedence: what the harness did (cap, timeout, interrupt) explains a death best; then a
    /// signal nobody asked for; then the protocol; then the scenario's own word.
    static func status(watch: Watch, received: ResultStreamReader.Received) -> (RunStatus, String?) {
        if let killed = watch.killedFor { return (killed, watch.killDetail) }
        guard let exit = watch.exit else { return (.crashed, "the launcher ended without reporting the child's exit") }
        if exit.signaled { return (.crashed, "killed by signal \(exit.signal) (\(signalName(exit.signal)))") }
        if exit.code == 127, received.hello == nil { return (.spawnFailed, "the scenario executable could not be run (see log)") }
        if let error = received.protocolError { return (.protocolError, error) }
        guard let result = received.result else { return (.noResult, "exited with code \(exit.code) without a result line") }
        switch result.status {
        case "ok": return (.ok, nil)
        case "failed-verification": return (.failedVerification, result.message)
        default: return (.error, result.message ?? "scenario reported '\(result.status)'")
        }
    }

    /// One row per parent timeline window, carrying the child's latest jemalloc sample at that time.
    static func mergeTimeline(rss: [(tMs: Double, rss: Int)], samples: [(arrivalMs: Double, sample: SampleMessage)]) -> [TimelinePoint] {
        var points: [TimelinePoint] = []
        points.reserveCapacity(rss.count)
        var next = 0
        var latest: SampleMessage?
        for (tMs, rssBytes) in rss {
            while next < samples.count, samples[next].arrivalMs <= tMs {
                latest = samples[next].sample
                next += 1
            }
            points.append(TimelinePoint(
                tMs: tMs, rssBytes: rssBytes, allocatedBytes: latest?.allocated ?? 0,
                residentBytes: latest?.resident ?? 0, gauges: latest?.gauges ?? [:]))
        }
        return points
    }
}

/// Name of a signal number, for status details.
func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGSEGV: return "SIGSEGV"
    case SIGABRT: return "SIGABRT"
    case SIGKILL: return "SIGKILL"
    case SIGTERM: return "SIGTERM"
    case SIGINT: return "SIGINT"
    case SIGBUS: return "SIGBUS"
    case SIGILL: return "SIGILL"
    case SIGTRAP: return "SIGTRAP"
    case SIGFPE: return "SIGFPE"
    default: return "signal \(signal)"
    }
}
