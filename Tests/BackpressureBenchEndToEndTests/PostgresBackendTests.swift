import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel

/// persistent-queue's postgres backend on a real cluster each test starts (through the scenario)
/// and must leave stopped: verified runs, and every bad configuration the issue names ending as
/// a clear status row with the server's log in the row's log — never a server left behind
/// (ChildProcessTestCase's tearDown checks the process table).
final class PostgresBackendTests: ChildProcessTestCase {
    override func setUpWithError() throws {
        let installed = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/postgres") }
        guard installed else { throw XCTSkip("PostgreSQL is not installed (make deps installs it)") }
    }

    func log(_ record: RunRecord) -> String { (try? String(contentsOfFile: record.logFile, encoding: .utf8)) ?? "" }

    /// One cache folder for the class's runs against the real installation: the scenario's initdb
    /// template is made by the first and copied by the rest, as every repeat after the first in
    /// one `bpbench run` does (the class 30.0 s → 27.0 s and 29.2 s here, load 4–7: 0.4–1.7 s
    /// off each later run, little beside the port-in-use test's 13 s). The initdb and
    /// no-PostgreSQL tests keep a cache of their own: a template would skip what they test.
    static let sharedCache = TestSupport.temporaryDirectory("pg-cache")

    /// persistent-queue on the postgres backend with `parameters`, the template cache shared.
    func runPostgres(_ parameters: [String]) throws -> RunRecord {
        try TestSupport.runChild(
            "persistent-queue", ["backend=postgres"] + parameters, cacheDirectory: Self.sharedCache)
    }

    func testWorkerProcessesDrainTheQueueVerifiedAndTheServerStops() throws {
        let record = try runPostgres(["items=3000", "workers=2", "consumer_rate=0"])
        XCTAssertEqual(record.status, .ok, "\(record.statusDetail ?? "")\n\(log(record))")
        XCTAssertEqual(record.metrics["lost"], 0)
        XCTAssertEqual(record.metrics["duplicates"], 0)
        XCTAssertEqual(record.metrics["events_processed"], 3000)
        XCTAssertGreaterThan(
            record.metrics["worker_peak_rss_bytes"] ?? 0, 1_048_576, "each worker reports its own peak")
        // The child, its 2 workers and the server's processes, all in the sampled tree.
        XCTAssertGreaterThanOrEqual(record.observed.maxProcesses ?? 0, 5)
        XCTAssertGreaterThan(record.observed.peakTreeRssBytes ?? 0, record.observed.peakRssBytes)
        XCTAssertTrue(log(record).contains("postgres: started pid"), "the server's start is in the row's log")
    }

    func testWorkersKilledMidRunAreRestartedAndNothingIsLost() throws {
        let record = try runPostgres(["items=6000", "workers=2", "consumer_rate=3000", "worker_kills=3"])
        XCTAssertEqual(record.status, .ok, "\(record.statusDetail ?? "")\n\(log(record))")
        XCTAssertEqual(record.metrics["lost"], 0)
        XCTAssertEqual(record.metrics["worker_kills_landed"], 3)
        XCTAssertGreaterThanOrEqual(record.metrics["worker_restarts"] ?? 0, 1)
    }

    func testAPortInUseIsAnErrorRowWithTheServersLog() throws {
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(holder, $0, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, $0, &length) == 0
            }
        }
        XCTAssertTrue(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let record = try runPostgres(["items=500", "pg_port=\(port)"])
        XCTAssertEqual(record.status, .error)
        XCTAssertTrue(
            record.statusDetail?.contains("before accepting connections on 127.0.0.1:\(port)") == true,
            record.statusDetail ?? "")
        XCTAssertTrue(
            log(record).contains("could not bind"), "the server's own reason is in the row's log:\n\(log(record))")
        // The server exits at once; a readiness probe left to libpq's 10 s connect_timeout (our
        // listening socket never answers it) made this child live 11.4 s before 2026-12-02 (1.5 s after).
        XCTAssertLessThan(record.observed.wallS, 9, "the row ends when the server exits, not after a probe's timeout")
    }

    func testAnInitdbFailureIsAnErrorRow() throws {
        let fake = TestSupport.temporaryDirectory("pg-bin")
        let real = try XCTUnwrap(
            ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().last)
        try FileManager.default.createSymbolicLink(
            atPath: fake + "/postgres", withDestinationPath: "/usr/lib/postgresql/\(real)/bin/postgres")
        try "#!/bin/sh\necho 'initdb: simulated failure for the test' >&2\nexit 1\n".write(
            toFile: fake + "/initdb", atomically: true, encoding: .utf8)
        chmod(fake + "/initdb", 0o755)
        chmod(fake, 0o755)
        setenv("BPBENCH_PG_BINDIR", fake, 1)
        defer { unsetenv("BPBENCH_PG_BINDIR") }
        let record = try TestSupport.runChild("persistent-queue", ["backend=postgres", "items=500"])
        XCTAssertEqual(record.status, .error)
        XCTAssertTrue(
            record.statusDetail?.contains("initdb failed") == true
                && record.statusDetail?.contains("simulated failure") == true, record.statusDetail ?? "")
    }

    func testNoPostgreSQLMeansSkippedWithTheReason() throws {
        setenv("BPBENCH_PG_BINDIR", TestSupport.temporaryDirectory("no-pg"), 1)
        defer { unsetenv("BPBENCH_PG_BINDIR") }
        let record = try TestSupport.runChild("persistent-queue", ["backend=postgres", "items=500"])
        XCTAssertEqual(record.status, .skipped)
        XCTAssertTrue(record.statusDetail?.contains("PostgreSQL is not installed") == true, record.statusDetail ?? "")
    }

    func testAServerThatDiesMidRunIsAnErrorRowAndNothingSurvives() throws {
        // Kill the postmaster once the run is under way (a paced producer keeps it going ~4 s) —
        // this test process's server: another test process's may be running beside it
        // (`swift test --parallel`).
        let killer = Thread {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                let ours = Set(TestProcessScope.leftovers())
                let servers = TestSupport.processes(named: "postgres", includeLaunchers: false).filter { pid in
                    ours.contains(pid) && TestSupport.processes(withArgument: "/tmp/bpbench-pg-").contains(pid)
                }
                if let postmaster = servers.min() {
                    usleep(1_500_000)
                    kill(postmaster, SIGKILL)
                    return
                }
                usleep(50_000)
            }
        }
        killer.start()
        let record = try runPostgres(["items=8000", "producer_rate=2000", "workers=2"])
        XCTAssertEqual(record.status, .error, log(record))
        XCTAssertTrue(
            record.statusDetail?.contains("postgres server exited mid-run") == true
                || record.statusDetail?.contains("connection") == true
                || record.statusDetail?.contains("Connection") == true,
            record.statusDetail ?? "")
    }
}
