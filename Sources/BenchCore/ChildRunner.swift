import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

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

    /// Runs `program arguments…` (in `workingDirectory` when given) and fills `record` (whose
    /// scenario, repeat, scale, parameters and log file are already set). Never throws: a child
    /// that cannot even start is a result too. A program that does not speak the result protocol
    /// (`speaksProtocol` false) gets its status from its exit code.
    public func run(
        program: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        speaksProtocol: Bool = true, into record: inout RunRecord, live: (LiveStatus) -> Void = { _ in }
    ) {
        var environment = environment
        environment[ResultProtocol.environmentVariable] = String(ResultProtocol.fd)
        environment.merge(limits.cpus?.environment ?? [:]) { $1 }
        // A scratch folder per child that the harness removes whatever happens: a child killed by
        // the cap, a timeout or the crash test cannot clean up after itself.
        let workDirectory = NSTemporaryDirectory() + "bpbench-work-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: workDirectory) }
        let arguments = arguments + ["--work-dir", workDirectory]
        let startNs = System.monotonicNanoseconds()
        let harnessCpuBefore = System.processCPUSeconds()
        let started: ChildLauncher.Started
        do {
            started = try ChildLauncher(launcherPath: launcherPath).start(
                program: program, arguments: arguments, environment: environment, workingDirectory: workingDirectory,
                cpus: limits.cpus)
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
        watch.supervise(controlFD: started.controlFD, interruption: interruption) { elapsedS, rssBytes in
            let sample = reader.latestSample()
            live(
                LiveStatus(
                    elapsedS: elapsedS, rssBytes: rssBytes, allocatedBytes: sample?.counters.allocated ?? 0,
                    items: sample?.items ?? 0, bytes: sample?.bytes ?? 0))
        }
        close(started.controlFD)
        if !watch.exitReported, let pid = watch.childPID {
            kill(pid, SIGKILL)  // the launcher vanished without reporting: do not leave the child behind
        }
        watch.tree?.killSurvivors()  // workers that left the process group (setsid) as well
        kill(-started.launcherPID, SIGKILL)  // the whole group; a no-op when all have exited
        System.waitpid(started.launcherPID)

        let (received, resultHolders) = reader.finish()
        let kept = output.finish()
        let holders = Set(resultHolders + kept.killed)
        Self.fill(
            &record, watch: watch, received: received, logDropped: kept.dropped,
            timelineIntervalMs: limits.timelineIntervalMs,
            speaksProtocol: speaksProtocol)
        if !holders.isEmpty { record.observed.pipeHoldersKilled = holders.count }
        record.observed.wallS = Double(System.monotonicNanoseconds() - startNs) / 1e9
        record.observed.harnessCpuS = System.processCPUSeconds() - harnessCpuBefore
    }

    /// Puts what the parent saw and what the child said, as sent, into the record.
    static func fill(
        _ record: inout RunRecord, watch: Watch, received: ResultStreamReader.Received, logDropped: Int,
        timelineIntervalMs: Double,
        speaksProtocol: Bool = true
    ) {
        record.observed = watch.observed
        if let helloMs = received.helloArrivalMs {
            record.observed.rssAtHelloBytes =
                watch.rssTimeline.first { $0.tMs >= helloMs }?.rss ?? watch.rssTimeline.last?.rss
        }
        record.hello = received.hello
        record.result = received.result
        if received.result == nil, !received.samples.isEmpty {
            // Killed (cap, timeout, crash) before its result: the streamed samples still say how
            // far its heap got, which is the point of a memory-cap row.
            record.observed.streamedPeaks = received.samples.reduce(into: AllocatorCounters()) {
                $0.formMaximum($1.sample.counters)
            }
            record.observed.streamedItems = received.samples.last?.sample.items
            record.observed.streamedBytes = received.samples.last?.sample.bytes
        }
        record.timeline = mergeTimeline(rss: watch.rssTimeline, samples: received.samples)
        (record.status, record.statusDetail) = status(watch: watch, received: received, speaksProtocol: speaksProtocol)
        if logDropped > 0 {
            record.statusDetail = [record.statusDetail, "log cut, \(logDropped) bytes of output dropped"].compactMap {
                $0
            }.joined(separator: "; ")
        }
    }

    /// Precedence: what the harness did (cap, timeout, interrupt) explains a death best; then a
    /// signal nobody asked for; then the protocol; then the scenario's own word.
    static func status(
        watch: Watch, received: ResultStreamReader.Received, speaksProtocol: Bool = true
    ) -> (RunStatus, String?) {
        if let killed = watch.killedFor { return (killed, watch.killDetail) }
        if let spawnError = watch.spawnError { return (.spawnFailed, spawnError) }
        guard watch.exitReported else { return (.crashed, "the launcher ended without reporting the child's exit") }
        if let signal = watch.observed.signal {
            return (.crashed, "killed by signal \(signal) (\(signalName(signal)))")
        }
        let exitCode = watch.observed.exitCode ?? 0
        if let error = received.protocolError { return (.protocolError, error) }
        if !speaksProtocol, received.hello == nil, received.result == nil {
            // Says nothing on fd 3 by declaration: the exit code is all it tells.
            if exitCode != 0 {
                return (.error, "exited with code \(exitCode) (the program does not speak the result protocol)")
            }
            return (.ok, RunRecord.unverifiedDetail)
        }
        guard let result = received.result else {
            return (.noResult, "exited with code \(exitCode) without a result line")
        }
        switch result.status {
        case .ok: return (.ok, nil)
        case .failedVerification: return (.failedVerification, result.message)
        case .error: return (.error, result.message)
        case .skipped: return (.skipped, result.message)
        default:
            return (.protocolError, "the child reported '\(result.status.rawValue)', which only the harness may decide")
        }
    }

    /// One row per parent timeline window, carrying the child's latest jemalloc sample at that time.
    static func mergeTimeline(
        rss: [(tMs: Double, rss: Int, treeRss: Int?)], samples: [(arrivalMs: Double, sample: SampleMessage)]
    ) -> [TimelinePoint] {
        var points: [TimelinePoint] = []
        points.reserveCapacity(rss.count)
        var next = 0
        var latest: SampleMessage?
        for (tMs, rssBytes, treeRss) in rss {
            while next < samples.count, samples[next].arrivalMs <= tMs {
                latest = samples[next].sample
                next += 1
            }
            points.append(
                TimelinePoint(
                    tMs: tMs, rssBytes: rssBytes, allocatedBytes: latest?.counters.allocated ?? 0,
                    residentBytes: latest?.counters.resident ?? 0, gauges: latest?.gauges ?? [:], treeRssBytes: treeRss)
            )
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
