import Foundation
import ScenarioKit
import Synchronization

/// `backend=postgres`: the queue in a PostgreSQL cluster this process starts, a producer here
/// (batched transactions), and `workers` consumer **processes** — copies of this executable in
/// the worker role, each with its own connection, as Bull's workers are. This process supervises
/// them: a worker that dies (a crash test's kill -9) is restarted, and its claimed rows, rolled
/// back by the server, go to whoever claims next.
///
/// Memory: every process here — this one, the workers, the server's — is a descendant of the
/// child the harness started, so its process-tree sampling measures them (tree total, largest
/// process); each worker also reports its own peak RSS, reported as `worker_peak_rss_bytes`.
enum PostgresQueue {
    static func canConnect(port: Int) async -> Bool {
        guard let store = try? await PostgresStore.connect(port: port, id: 0) else { return false }
        await store.close()
        return true
    }

    /// The run as the SQLite backend's: same parameters where they apply, same verification.
    static func run(_ context: ScenarioContext, settings: Settings) async throws -> VerificationReport {
        guard let installation = PostgresCluster.Installation.find() else {
            throw ScenarioUnavailable(
                "PostgreSQL is not installed (no postgres and initdb in BPBENCH_PG_BINDIR, /usr/lib/postgresql/*/bin or PATH; `make deps` installs it)"
            )
        }
        let keep = !settings.queueFile.isEmpty
        let scratch = keep ? nil : try PostgresCluster.temporaryDirectory(prefix: "bpbench-pg")
        defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
        let dataDirectory = keep ? settings.queueFile : scratch! + "/data"
        let port = settings.postgresPort > 0 ? settings.postgresPort : try PostgresCluster.freePort()
        let cluster = try await PostgresCluster.start(
            installation: installation, dataDirectory: dataDirectory, cacheDirectory: context.cacheDirectory,
            port: port,
            settings: [
                "synchronous_commit": settings.synchronousCommit, "shared_buffers": "32MB", "max_connections": "40",
                "fsync": "on",
            ],
            log: { context.log($0) })
        defer { cluster.stop() }
        let pools = PoolHolder()
        defer { pools.pool?.killAll() }
        // A libpq call blocks its thread until the socket says something, and a dead server's
        // connections close only when its backends notice their postmaster is gone: the run
        // races a watchdog on the server process, so a dead server ends the row within 20 ms, and
        // a run stuck on it is left behind — the process ends right after, the harness sweeps up.
        return try await race(
            {
                try await queue(context, settings: settings, cluster: cluster, pools: pools)
            },
            watchdog: {
                while cluster.server.isRunning { try await Task.sleep(nanoseconds: 20_000_000) }
                throw PostgresCluster.Failure(
                    "the postgres server exited mid-run (status \(cluster.server.terminationStatus)); its log is above in this row's log"
                )
            })
    }

    /// The first of `work` and `watchdog` to end decides (the watchdog ends only by throwing).
    static func race<T: Sendable>(
        _ work: @escaping @Sendable () async throws -> T, watchdog: @escaping @Sendable () async throws -> Void
    ) async throws -> T {
        let once = ResumeOnce<T>()
        var tasks: [Task<Void, Never>] = []
        defer { for task in tasks { task.cancel() } }
        return try await withCheckedThrowingContinuation { continuation in
            once.continuation.withLock { $0 = continuation }
            tasks.append(
                Task {
                    do { once.resume(.success(try await work())) } catch { once.resume(.failure(error)) }
                })
            tasks.append(
                Task {
                    do { try await watchdog() } catch { once.resume(.failure(error)) }
                })
        }
    }

    /// Producer, workers, verification: the run proper, on a started cluster.
    /// A run cut short (the server died) closes its connections when they are released.
    static func queue(
        _ context: ScenarioContext, settings: Settings, cluster: PostgresCluster, pools: PoolHolder
    ) async throws -> VerificationReport {
        let port = cluster.port
        let store = try await PostgresStore.connect(port: port, id: 1)
        let (run, nextSequence) = try await store.begin(items: settings.items)
        guard nextSequence <= settings.items else {
            throw QueueFileError("the queue already holds \(nextSequence) events, more than items=\(settings.items)")
        }
        if run > 1 {
            context.log(
                "persistent-queue: resuming the cluster in \(cluster.dataDirectory) (run \(run)): producer continues at \(nextSequence)"
            )
        }
        context.set(
            PersistentQueue.Metrics.synchronousLevel, try await store.setting("synchronous_commit") == "off" ? 0 : 1)
        context.set(PersistentQueue.Metrics.runs, Double(run))

        // The backlog, server side, every 50 ms on a connection of its own.
        let monitorStore = try await PostgresStore.connect(port: port, id: 2)
        let monitor = Task {
            while !Task.isCancelled {
                if let (rows, bytes) = try? await monitorStore.backlog() {
                    context[PersistentQueue.Gauges.backlogRows].set(rows)
                    context[PersistentQueue.Gauges.backlogBytes].set(bytes)
                }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
            await monitorStore.close()
        }
        defer { monitor.cancel() }

        let pool = WorkerPool(context: context, settings: settings, port: port, run: run, cluster: cluster)
        pools.pool = pool
        try pool.start()
        // The crash test's other half: workers killed at random moments, restarted by check().
        // Kill k lands once the workers have processed a random point of the k-th of N equal
        // slices of the first half of the items — tied to progress, not to a clock, so every kill
        // asked for lands before the queue drains however slow the machine is (with 0.05–0.5 s
        // sleeps a loaded CI machine drained 6,000 items before the third of 3 kills).
        let killPoints = (0..<settings.workerKills).map { k -> Int in
            let slice = Double(settings.items) / 2 / Double(max(settings.workerKills, 1))
            return Int(slice * (Double(k) + Double.random(in: 0.1..<0.9)))
        }
        let chaos = Task {
            for point in killPoints {
                while !Task.isCancelled, pool.processed < point { try? await Task.sleep(nanoseconds: 5_000_000) }
                // A kill needs a running worker: when every worker is down (killed, its restart
                // not yet made) wait for one rather than let the kill fall on nothing.
                while !Task.isCancelled, !pool.killRandomWorker() { try? await Task.sleep(nanoseconds: 5_000_000) }
                if Task.isCancelled { return }
            }
        }
        defer { chaos.cancel() }
        let clock = ContinuousClock()
        let started = clock.now
        var committed = 0
        var next = nextSequence
        while next < settings.items {
            try pool.check()
            let count = min(settings.batch, settings.items - next)
            if settings.producerRate > 0 {
                let due = started + .seconds(Double(next - nextSequence) / Double(settings.producerRate))
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
            let events = (next..<(next + count)).map {
                ItemCodec.makeItem(sequence: UInt64($0), itemBytes: settings.itemBytes, stamped: true)
            }
            context[PersistentQueue.Gauges.producerBatchEvents].set(count)
            try await store.append(events, firstSequence: next, run: run)
            context[PersistentQueue.Gauges.producerBatchEvents].set(0)
            committed += count
            next += count
        }
        try await store.markProducerDone()
        let producerSeconds = (clock.now - started).seconds
        try await pool.waitUntilDone()
        let drainSeconds = (clock.now - started).seconds - producerSeconds

        let summary = try await store.summarize(items: settings.items, run: run)
        await store.close()
        monitor.cancel()
        _ = await monitor.value  // its connection closed before the server stops
        for latency in summary.latencies { context.latency.record(nanoseconds: UInt64(latency) * 1000) }
        let lost = settings.items - (summary.distinct - summary.beyondItems)
        typealias M = PersistentQueue.Metrics
        context.set(M.eventsCommitted, Double(summary.committed))
        context.set(M.eventsProcessed, Double(summary.processed))
        context.set(M.duplicates, Double(summary.processed - summary.distinct))
        context.set(M.lost, Double(lost))
        context.set(M.backlogPeakRows, Double(context[PersistentQueue.Gauges.backlogRows].maximum))
        context.set(M.runCommitted, Double(committed))
        context.set(M.runProcessed, Double(pool.processed))
        context.set(M.producerDoneS, producerSeconds)
        context.set(M.drainS, drainSeconds)
        context.set(M.workerPeakRss, Double(pool.peakRss))
        context.set(M.workerRestarts, Double(pool.restarts))
        context.set(M.workerKillsLanded, Double(pool.killed))
        if producerSeconds > 0 { context.set(M.producerEventsPerS, Double(committed) / producerSeconds) }

        return PersistentQueue.verify(
            settings, checksum: summary.checksum, lost: lost, backlogRows: summary.backlogRows,
            beyondItems: summary.beyondItems, malformed: pool.malformed)
    }
}

/// A continuation resumed by whichever of several tasks gets there first.
final class ResumeOnce<T: Sendable>: Sendable {
    let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func resume(_ result: Result<T, any Error>) { continuation.withLock { $0.take() }?.resume(with: result) }
}

/// The run's worker pool, for the cleanup that must happen even when the run is left stuck.
final class PoolHolder: Sendable {
    private let stored = Mutex<WorkerPool?>(nil)
    var pool: WorkerPool? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

/// The worker processes: started, watched, restarted when killed, their status lines read.
final class WorkerPool: @unchecked Sendable {
    private struct Worker {
        var process: Process
        var inFlight = 0
    }
    private struct State {
        var workers: [Worker] = []
        var processed = 0, malformed = 0, peakRss = 0, restarts = 0, finished = 0, killed = 0
    }
    private let state = Mutex(State())
    let context: ScenarioContext
    let settings: Settings
    let port: Int, run: Int
    let cluster: PostgresCluster

    init(context: ScenarioContext, settings: Settings, port: Int, run: Int, cluster: PostgresCluster) {
        (self.context, self.settings, self.port, self.run, self.cluster) = (context, settings, port, run, cluster)
    }

    var processed: Int { state.withLock { $0.processed } }
    var malformed: Int { state.withLock { $0.malformed } }
    var peakRss: Int { state.withLock { $0.peakRss } }
    var restarts: Int { state.withLock { $0.restarts } }

    func start() throws {
        for index in 0..<settings.workers {
            let process = try launch(index)
            state.withLock { $0.workers.append(Worker(process: process)) }
        }
    }

    /// This executable in the worker role; its stdout lines come back here.
    private func launch(_ index: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0])
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "BPBENCH_RESULT_FD")
        let job = PostgresWorker.Job(
            index: index, port: port, run: run, items: settings.items, itemBytes: settings.itemBytes,
            claimBatch: settings.claimBatch,
            coordinator: getpid(),
            rate: settings.consumerRate > 0 ? Double(settings.consumerRate) / Double(settings.workers) : 0)
        environment[PostgresWorker.environmentVariable] = String(decoding: try JSONEncoder().encode(job), as: UTF8.self)
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        let output = Pipe()
        process.standardOutput = output
        let pending = Mutex([UInt8]())
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            let lines = pending.withLock { buffer -> [String] in
                buffer += data
                var complete: [String] = []
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    complete.append(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
                return complete
            }
            for line in lines { self?.handle(line, from: index) }
        }
        try process.run()
        return process
    }

    /// `inflight N` while a batch is held; `done processed=N malformed=M peak_rss=B` at the end.
    private func handle(_ line: String, from index: Int) {
        let words = line.split(separator: " ")
        guard let kind = words.first else { return }
        var fields: [String: Int] = [:]
        for word in words.dropFirst() {
            let pair = word.split(separator: "=")
            if pair.count == 2, let value = Int(pair[1]) { fields[String(pair[0])] = value }
        }
        state.withLock { state in
            switch kind {
            case "inflight":
                guard index < state.workers.count, let count = Int(words.count > 1 ? words[1] : "") else { return }
                state.workers[index].inFlight = count
                context[PersistentQueue.Gauges.inFlightPerWorker].set(state.workers.map(\.inFlight).max() ?? 0)
            case "progress":
                let count = fields["processed"] ?? 0
                state.processed += count
                context.addProgress(items: count, bytes: count * settings.itemBytes)
            case "done":
                state.malformed += fields["malformed"] ?? 0
                state.peakRss = max(state.peakRss, fields["peak_rss"] ?? 0)
                state.finished += 1
            default:
                break
            }
        }
    }

    /// Throws when the server is gone (no worker could do anything); restarts killed workers.
    func check() throws {
        guard cluster.server.isRunning else {
            throw PostgresCluster.Failure(
                "the postgres server exited mid-run (status \(cluster.server.terminationStatus)); its log is above in this row's log"
            )
        }
        let dead = state.withLock { state -> [Int] in
            state.workers.indices.filter {
                !state.workers[$0].process.isRunning && state.workers[$0].process.terminationStatus != 0
            }
        }
        for index in dead {
            let exit = state.withLock {
                ($0.workers[index].process.terminationReason == .uncaughtSignal ? "signal " : "status ")
                    + String($0.workers[index].process.terminationStatus)
            }
            let restarts = state.withLock { $0.restarts }
            guard restarts < 20 * settings.workers + 100 else {
                throw PostgresCluster.Failure("workers keep dying (\(restarts) restarts; last: \(exit))")
            }
            context.log("persistent-queue: worker \(index) ended with \(exit); restarting it")
            let process = try launch(index)
            state.withLock {
                $0.workers[index] = Worker(process: process)
                $0.restarts += 1
            }
        }
    }

    /// Until every worker has ended on its own (exit 0: nothing left and the producer done).
    func waitUntilDone() async throws {
        while true {
            try check()
            if state.withLock({ $0.workers.allSatisfy { !$0.process.isRunning && $0.process.terminationStatus == 0 } })
            {
                break
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        // The last lines may still be on their way through the pipes.
        try await Task.sleep(nanoseconds: 20_000_000)
    }

    /// SIGKILL one running worker, chosen at random (counted in `worker_kills_landed`); false
    /// when none is running.
    @discardableResult
    func killRandomWorker() -> Bool {
        let running = state.withLock { $0.workers.map(\.process).filter(\.isRunning) }
        guard let victim = running.randomElement() else { return false }
        kill(victim.processIdentifier, SIGKILL)
        state.withLock { $0.killed += 1 }
        return true
    }

    var killed: Int { state.withLock { $0.killed } }

    func killAll() {
        for worker in state.withLock({ $0.workers }) where worker.process.isRunning {
            kill(worker.process.processIdentifier, SIGKILL)
            worker.process.waitUntilExit()
        }
    }
}

/// The worker role: `BPBENCH_PQ_WORKER` holds its job; it claims, processes and acknowledges
/// until the queue is empty and the producer done, then prints its figures and exits 0.
enum PostgresWorker {
    static let environmentVariable = "BPBENCH_PQ_WORKER"

    struct Job: Codable, Sendable {
        let index: Int, port: Int, run: Int, items: Int, itemBytes: Int, claimBatch: Int
        /// The coordinator's PID: a worker whose coordinator is gone (killed) stops.
        let coordinator: Int32
        /// Events/s this worker may take while the producer runs (0 = unthrottled).
        let rate: Double
    }

    static func main(_ text: String) async -> Never {
        do {
            let job = try JSONDecoder().decode(Job.self, from: Data(text.utf8))
            let store = try await connect(job)
            var processed = 0
            var malformed = 0
            var paced = 0
            let started = MonotonicClock.nanoseconds()
            while true {
                guard getppid() == job.coordinator else {
                    FileHandle.standardError.write(
                        Data("persistent-queue worker \(job.index): the coordinator is gone; stopping\n".utf8))
                    exit(71)
                }
                // A transaction that has no answer in 30 s means a dead server or connection:
                // exit non-zero, and the coordinator restarts this worker (or fails the run).
                let claimed = try await PostgresQueue.race(
                    {
                        try await store.claimAndProcess(
                            limit: job.claimBatch, itemBytes: job.itemBytes, worker: job.index, run: job.run
                        ) { count in
                            say("inflight \(count)")
                        }
                    },
                    watchdog: {
                        try await Task.sleep(nanoseconds: 30_000_000_000)
                        throw PostgresCluster.Failure("no answer from the server within 30 s")
                    })
                if claimed.count > 0 {
                    say("inflight 0")
                    say("progress processed=\(claimed.count)")
                }
                processed += claimed.count
                malformed += claimed.malformed
                if claimed.count == 0 {
                    if claimed.producerWasDone { break }
                    try await Task.sleep(nanoseconds: 1_000_000)
                    continue
                }
                // Held to the share of consumer_rate while the producer runs.
                if job.rate > 0, !claimed.producerWasDone {
                    paced += claimed.count
                    let due = started + UInt64(Double(paced) / job.rate * 1e9)
                    let now = MonotonicClock.nanoseconds()
                    if due > now { try await Task.sleep(nanoseconds: due - now) }
                }
            }
            await store.close()
            say("done processed=\(processed) malformed=\(malformed) peak_rss=\(peakRss())")
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("persistent-queue worker: \(error)\n".utf8))
            exit(70)
        }
    }

    /// One status line to the coordinator, written at once (stdout is a pipe: no buffering).
    static func say(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    /// The server may still be finishing crash recovery when a restarted worker starts.
    static func connect(_ job: Job) async throws -> PostgresStore {
        var attempt = 0
        while true {
            do { return try await PostgresStore.connect(port: job.port, id: 100 + job.index) } catch {
                attempt += 1
                if attempt >= 100 { throw error }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }

    /// VmHWM of this process, bytes.
    static func peakRss() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
}
