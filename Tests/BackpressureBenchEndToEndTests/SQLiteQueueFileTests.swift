import BenchModel
import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

/// persistent-queue's SQLite layer (`SQLiteConnection`, `SQLiteSession`, `SQLiteStatement`,
/// `SQLiteError` in Scenarios/persistent-queue: SQLite's C API, no GRDB), through the scenario
/// binary — a scenario is an executable, so its types are reached through its runs: SQLite's own
/// message in an error row, the file really in WAL mode with the `synchronous` level asked for,
/// and prepared statements reused across rows, transactions and runs of one file.
final class SQLiteQueueFileTests: ChildProcessTestCase {
    func testAFileThatIsNotADatabaseIsAnErrorRowWithSQLitesOwnMessage() throws {
        let path = TestSupport.temporaryDirectory("sqlite-notadb") + "/queue.sqlite"
        let text = String(repeating: "not an SQLite file\n", count: 300)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let record = try TestSupport.runChild("persistent-queue", ["items=500", "queue_file=\(path)"])
        let detail = record.statusDetail ?? ""
        XCTAssertEqual(record.status, .error, detail)
        // sqlite3_errmsg's text and the extended result code (SQLITE_NOTADB), with the file's path:
        // an error that said only "SQLite error" would leave the user guessing.
        XCTAssertTrue(detail.contains("\(path): file is not a database"), detail)
        XCTAssertTrue(detail.contains("SQLite error 26"), detail)
        XCTAssertEqual(
            try String(contentsOfFile: path, encoding: .utf8), text, "the file is the user's: left as it was")
    }

    func testAResumedFileGoesOnFromWhereItsLastRunStopped() throws {
        let path = TestSupport.temporaryDirectory("sqlite-resume") + "/queue.sqlite"
        func run(_ parameters: [String]) throws -> RunRecord {
            try TestSupport.runChild("persistent-queue", parameters + ["queue_file=\(path)"])
        }
        // 1,000 events: ten producer transactions of 100 rows through one prepared insert, claims
        // of 50 through one prepared UPDATE … RETURNING; a statement not reset and rebound
        // correctly between rows fails (SQLITE_MISUSE) or returns wrong payloads (the checksum).
        let first = try run(["items=1000", "synchronous=off"])
        XCTAssertEqual(first.status, .ok, first.statusDetail ?? "")
        XCTAssertEqual(first.result?.verification?.passed, true)
        XCTAssertEqual(first.metrics["synchronous_level"], 0, "PRAGMA synchronous = OFF read back")
        XCTAssertEqual(first.metrics["runs"], 1)
        XCTAssertEqual(first.metrics["lost"], 0)
        // The file format's bytes 18 and 19 (write and read version) are 2 in WAL mode, 1 with a
        // rollback journal: `journal_mode = WAL` was put in force, and stays with the file.
        let header = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(Array(header.prefix(20).suffix(2)), [2, 2], "not a WAL-mode file")

        let second = try run(["items=2500"])
        XCTAssertEqual(second.status, .ok, second.statusDetail ?? "")
        XCTAssertEqual(second.result?.verification?.passed, true, "the checksum covers both runs' events")
        XCTAssertEqual(second.metrics["synchronous_level"], 1, "the default, normal, read back")
        XCTAssertEqual(second.metrics["runs"], 2)
        XCTAssertEqual(second.metrics["run_committed"], 1500, "the producer resumed at sequence 1000")
        XCTAssertEqual(second.metrics["events_committed"], 2500)
        XCTAssertEqual(second.metrics["events_processed"], 2500)
        XCTAssertEqual(second.metrics["duplicates"], 0)
        XCTAssertEqual(second.metrics["lost"], 0)

        // An error thrown inside the resume transaction (the scenario's, not SQLite's): the row
        // says why, the transaction is rolled back, and the next run finds the file as the second
        // left it (3 runs, nothing to produce).
        let wrongSize = try run(["items=2500", "item_bytes=512"])
        XCTAssertEqual(wrongSize.status, .error)
        XCTAssertTrue(
            wrongSize.statusDetail?.contains("holds 1024-byte events; rerun it with item_bytes=1024") == true,
            wrongSize.statusDetail ?? "")
        let third = try run(["items=2500"])
        XCTAssertEqual(third.status, .ok, third.statusDetail ?? "")
        XCTAssertEqual(third.metrics["runs"], 3)
        XCTAssertEqual(third.metrics["run_committed"], 0)
        XCTAssertEqual(third.metrics["lost"], 0)
        XCTAssertEqual(third.result?.verification?.passed, true)
    }
}
