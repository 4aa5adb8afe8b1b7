import Foundation
import ScenarioKit

/// A throw-away PostgreSQL cluster the scenario starts and stops itself: no system service, no
/// password anywhere (trust authentication, listening on 127.0.0.1 only).
///
/// - **Where.** `initdb` runs once per PostgreSQL version into the cache directory (a template,
///   ~2 s); each run copies it (~0.1 s) into its data directory — a fresh temporary one, or the
///   `queue_file` folder a crash test resumes.
/// - **How it runs.** `postgres` in the foreground, as a child of this process (so the harness's
///   process-tree sampling sees it, its memory cap covers it, and its end-of-run sweep kills
///   whatever survives), its log on this process's stderr — the row's log in the run folder.
///   PostgreSQL refuses to run as root: under root the server (and initdb) run as the `postgres`
///   user through `setpriv`, which execs without staying in between.
/// - **Failures are messages.** A port in use, a failed initdb, a server that exits before it
///   accepts connections: each throws with the reason; the server's own lines are in the log.
struct PostgresCluster: Sendable {
    /// The binaries of one PostgreSQL installation.
    struct Installation: Sendable {
        let binDirectory: String
        var initdb: String { binDirectory + "/initdb" }
        var postgres: String { binDirectory + "/postgres" }

        /// `BPBENCH_PG_BINDIR` when set (and only it), else Debian's newest
        /// `/usr/lib/postgresql/N/bin`, else `postgres` and `initdb` on PATH; nil when none has both.
        static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> Installation? {
            let fileManager = FileManager.default
            func usable(_ directory: String) -> Bool {
                fileManager.isExecutableFile(atPath: directory + "/postgres")
                    && fileManager.isExecutableFile(atPath: directory + "/initdb")
            }
            if let chosen = environment["BPBENCH_PG_BINDIR"] {
                return usable(chosen) ? Installation(binDirectory: chosen) : nil
            }
            var candidates: [String] = []
            let versions = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(
                Int.init
            ).sorted(by: >)
            candidates += versions.map { "/usr/lib/postgresql/\($0)/bin" }
            candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
            return candidates.first(where: usable).map(Installation.init)
        }

        /// "15.18", read from `postgres --version` ("postgres (PostgreSQL) 15.18 (Debian …)").
        func version() throws -> String {
            let output = try PostgresCluster.capture(postgres, ["--version"])
            return output.split(separator: " ").first { $0.first?.isNumber == true }.map(String.init) ?? "unknown"
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The account the server runs as: ourselves, or `postgres` when we are root.
    static var serverUser: String? { geteuid() == 0 ? "postgres" : nil }

    let installation: Installation
    let dataDirectory: String
    let port: Int
    let server: Process

    /// Copies the cached template into `dataDirectory` unless it already holds a cluster
    /// (resume), starts the server on 127.0.0.1:`port` and waits until it accepts connections.
    static func start(
        installation: Installation, dataDirectory: String, cacheDirectory: String, port: Int,
        settings: [String: String], log: @escaping @Sendable (String) -> Void
    ) async throws -> PostgresCluster {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            let template = try makeTemplate(installation: installation, cacheDirectory: cacheDirectory, log: log)
            try? fileManager.removeItem(atPath: dataDirectory)
            _ = try capture("/bin/cp", ["-a", template, dataDirectory])
        }
        if let user = serverUser { _ = try capture("/bin/chown", ["-R", "\(user):\(user)", dataDirectory]) }
        // A crash leaves the old postmaster.pid behind; with its processes gone the server
        // would refuse to start only if that PID were alive again — remove it when it is stale.
        removeStalePidFile(dataDirectory)

        var arguments = [
            "-D", dataDirectory, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c",
            "unix_socket_directories=",
        ]
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { arguments += ["-c", "\(key)=\(value)"] }
        let server = Process()
        (server.executableURL, server.arguments) = command(installation.postgres, arguments)
        server.environment = ["PATH": "/usr/bin:/bin", "LANG": "C", "LC_ALL": "C"]
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.standardError
        server.standardError = FileHandle.standardError
        do { try server.run() } catch { throw Failure("could not start \(installation.postgres): \(error)") }
        log("postgres: started pid \(server.processIdentifier) on 127.0.0.1:\(port), data \(dataDirectory)")
        let cluster = PostgresCluster(
            installation: installation, dataDirectory: dataDirectory, port: port, server: server)

        // Ready when a connection is accepted (the server logs why it is not, e.g. the port in use).
        // Each probe races a watchdog on the server process: a probe can block for libpq's whole
        // connect_timeout (10 s) when something else listens on the port and never answers — the
        // port-in-use test's own socket does — so a server that exited ends the wait within 20 ms
        // instead of after the probe (that test's child: 11.4 s → 1.5 s, README "The postgres backend").
        let deadline = Date().addingTimeInterval(60)
        while true {
            let accepted = try await PostgresQueue.race(
                { await PostgresQueue.canConnect(port: port) },
                watchdog: { try await cluster.watchStartup(until: deadline) })
            if accepted { return cluster }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// Ends only by throwing: when the server exits before accepting connections, or (stopping
    /// it) when `deadline` passes first — a server merely slow to start gets until then.
    func watchStartup(until deadline: Date) async throws {
        while server.isRunning {
            if Date() > deadline {
                stop()
                throw Failure("postgres did not accept connections on 127.0.0.1:\(port) within 60 s")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw Failure(
            "postgres exited with status \(server.terminationStatus) before accepting connections on 127.0.0.1:\(port) (its log is above in this row's log)"
        )
    }

    /// Fast shutdown (SIGINT: open transactions abort, a checkpoint, exit); SIGKILL after 20 s.
    func stop() {
        guard server.isRunning else { return }
        kill(server.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(20)
        while server.isRunning, Date() < deadline { usleep(20_000) }
        if server.isRunning {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
    }

    /// The cached `initdb` output for this version (made once; a folder renamed into place, so a
    /// half-made template is never used).
    static func makeTemplate(
        installation: Installation, cacheDirectory: String, log: @Sendable (String) -> Void
    ) throws -> String {
        let fileManager = FileManager.default
        let template = cacheDirectory + "/postgres-\(try installation.version())-template"
        if fileManager.fileExists(atPath: template + "/PG_VERSION") { return template }
        try fileManager.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        // initdb needs a directory its user owns, and (as postgres) a path it can reach: /tmp.
        let scratch = try temporaryDirectory(prefix: "bpbench-initdb")
        defer { try? fileManager.removeItem(atPath: scratch) }
        let data = scratch + "/data"
        if let user = serverUser { _ = try capture("/bin/chown", [user, scratch]) }
        log("postgres: initdb (once per version) into \(template)")
        do {
            _ = try capture(
                installation.initdb,
                [
                    "-D", data, "-U", "bpbench", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync",
                    "--no-instructions",
                ])
        } catch {
            throw Failure("initdb failed: \(error)")
        }
        let staging = template + ".partial-\(getpid())"
        try? fileManager.removeItem(atPath: staging)
        _ = try capture("/bin/cp", ["-a", data, staging])
        try? fileManager.removeItem(atPath: template)
        try fileManager.moveItem(atPath: staging, toPath: template)
        return template
    }

    /// A fresh directory under /tmp that the server's user can enter.
    static func temporaryDirectory(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure("mkdtemp failed: errno \(errno)") }
        let path = String(cString: made)
        chmod(path, 0o755)
        return path
    }

    /// A free loopback port: bound to port 0, read back, released.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw Failure("could not find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    ///
    /// A killed postmaster can linger as a zombie until init reaps it, and the server's own
    /// check (`kill(pid, 0)`) takes a zombie for a live postmaster: wait up to 5 s for it to be
    /// gone or a zombie, then remove the file.
    static func removeStalePidFile(_ dataDirectory: String) {
        let path = dataDirectory + "/postmaster.pid"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let pid = text.split(separator: "\n").first.flatMap({ Int32($0) })
        else { return }
        func running() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let state = stat[stat.index(after: close)...].split(separator: " ").first
            return state != "Z" && state != "X"
        }
        let deadline = Date().addingTimeInterval(5)
        while running(), Date() < deadline { usleep(10_000) }
        if !running() { try? FileManager.default.removeItem(atPath: path) }
    }

    /// `program arguments`, wrapped in `setpriv` to drop to the server's user when we are root.
    static func command(_ program: String, _ arguments: [String]) -> (URL, [String]) {
        guard let user = serverUser else { return (URL(fileURLWithPath: program), arguments) }
        return (
            URL(fileURLWithPath: "/usr/bin/setpriv"),
            ["--reuid=\(user)", "--regid=\(user)", "--init-groups", "--", program] + arguments
        )
    }

    /// Runs a helper to completion (as the server's user for the PostgreSQL binaries); its output,
    /// or a failure with the output's last lines.
    @discardableResult
    static func capture(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        let asServer = program.hasPrefix("/") && !program.hasPrefix("/bin/")
        (process.executableURL, process.arguments) =
            asServer ? command(program, arguments) : (URL(fileURLWithPath: program), arguments)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let tail = output.split(separator: "\n").suffix(5).joined(separator: " | ")
            throw Failure("\(program) exited with status \(process.terminationStatus): \(tail)")
        }
        return output
    }
}
