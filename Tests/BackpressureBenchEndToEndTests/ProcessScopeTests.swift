import BenchSystem
import BenchTestSupport
import Foundation
import XCTest

/// The two process checks the test targets stand on, each made to fire: the orphan check every
/// end-to-end test ends with (TestProcessScope, ChildProcessTestCase.tearDown) finds a child left
/// behind — also once its parent has died — and ignores another test process's; the unit target's
/// check (ProcessFreeTestCase) sees a process started and waited for.
final class ProcessScopeTests: ChildProcessTestCase {
    /// Starts `sleep 30` through `sh`, which exits at once: the sleep is re-parented (no longer
    /// this process's descendant) and carries `environment`'s marker, or this process's. Its pid,
    /// from a file. posix_spawn and waitpid, not Foundation's Process: its waitUntilExit returned
    /// only when the sleep ended, 30 s later (measured).
    func orphanedSleep(environment: [String: String] = [:]) throws -> Int32 {
        let pidFile = TestSupport.temporaryDirectory("orphan") + "/pid"
        let arguments = ["/bin/sh", "-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $! > \"$0\"", pidFile]
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] { strings.map { strdup($0) } + [nil] }
        let argv = cStrings(arguments)
        let envp = cStrings(variables)
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        XCTAssertEqual(posix_spawn(&pid, "/bin/sh", nil, nil, argv, envp), 0)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        return try XCTUnwrap(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "sh wrote \(text)")
    }

    /// Kills `pid` and waits until /proc no longer lists it alive (a re-parented child is reaped by init).
    func end(_ pid: Int32) {
        kill(pid, SIGKILL)
        let deadline = Date().addingTimeInterval(5)
        while TestProcessScope.table().contains(where: { $0.pid == pid && $0.state != "Z" }), Date() < deadline {
            usleep(10_000)
        }
    }

    func testAChildLeftRunningIsAnOrphanUntilItEnds() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        XCTAssertTrue(TestProcessScope.leftovers().contains(child.processIdentifier), "a running child is reported")
        XCTAssertTrue(
            TestProcessScope.carries(TestProcessScope.marker, pid: child.processIdentifier),
            "the child inherited the marker")
        child.terminate()
        child.waitUntilExitPromptly()
        XCTAssertFalse(TestProcessScope.leftovers().contains(child.processIdentifier), "an ended child is not")
    }

    /// A worker whose parent died is no descendant any more; its marker still names this process.
    func testAnOrphanWhoseParentDiedIsFoundByItsMarker() throws {
        let sleep = try orphanedSleep()
        defer { end(sleep) }
        XCTAssertTrue(
            TestProcessScope.leftovers().contains(sleep), "\(ChildProcessTestCase.describe(sleep)) was not reported")
        end(sleep)
        XCTAssertFalse(TestProcessScope.leftovers().contains(sleep))
    }

    /// What made parallel test processes fail each other: another test process's child (another
    /// marker, not a descendant) is not this one's orphan — though it is the same harness program.
    func testAnotherTestProcesssChildIsNotOurs() throws {
        let sleep = try orphanedSleep(environment: [TestProcessScope.variable: "another-test-process"])
        defer { end(sleep) }
        XCTAssertTrue(TestProcessScope.table().contains { $0.pid == sleep }, "the other process's sleep is running")
        XCTAssertFalse(TestProcessScope.leftovers().contains(sleep))
        XCTAssertTrue(
            TestProcessScope.leftovers(marker: "another-test-process").contains(sleep),
            "that test process's check would report it")
    }

    func testStatLinesParseWhateverTheCommandIsCalled() {
        XCTAssertEqual(TestProcessScope.entry(stat: "42 (sleep) S 7 42 7 0 -1"), .init(pid: 42, parent: 7, state: "S"))
        XCTAssertEqual(TestProcessScope.entry(stat: "43 (a (b) c) Z 1 43"), .init(pid: 43, parent: 1, state: "Z"))
        XCTAssertNil(TestProcessScope.entry(stat: "garbage"))
    }

    /// ProcessFreeTestCase's evidence: a process started and waited for moves the count.
    func testAProcessStartedAndWaitedForIsCounted() throws {
        let before = ProcessFreeTestCase.reapedChildrenFaults()
        XCTAssertEqual(try TestSupport.execute("/bin/true", []).status, 0)
        XCTAssertGreaterThan(
            ProcessFreeTestCase.reapedChildrenFaults(), before, "/bin/true's page faults were not counted")
    }
}
