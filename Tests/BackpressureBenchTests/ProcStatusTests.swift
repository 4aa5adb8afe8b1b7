@testable import BenchCore
import XCTest

final class ProcStatusTests: XCTestCase {
    func testParsesRssAndHighWaterMark() throws {
        let text = """
            Name:\tpipeline-copy
            VmPeak:\t  400000 kB
            VmHWM:\t   31932 kB
            VmRSS:\t   30012 kB
            Threads:\t4
            """
        let status = try XCTUnwrap(ProcStatus.parse(Substring(text)))
        XCTAssertEqual(status.rssBytes, 30012 * 1024)
        XCTAssertEqual(status.hwmBytes, 31932 * 1024)
    }

    func testZombieWithoutMemoryLinesIsNil() {
        XCTAssertNil(ProcStatus.parse("Name:\tx\nState:\tZ (zombie)\n"))
        XCTAssertNil(ProcStatus.parse("VmRSS:\tlots kB\nVmHWM:\t1 kB\n"))
    }

    func testReadsOwnProcess() throws {
        let status = try XCTUnwrap(ProcStatusReader(pid: getpid()).read())
        XCTAssertGreaterThan(status.rssBytes, 1 << 20)
        XCTAssertGreaterThanOrEqual(status.hwmBytes, status.rssBytes)
    }

    func testLineSplitterBoundsLinesAndReportsTruncation() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let payload = "one\n" + String(repeating: "x", count: 5000) + "\ntwo\npartial"
        _ = payload.withCString { write(fds[1], $0, strlen($0)) }
        close(fds[1])
        var events: [String] = []
        LineSplitter.readLines(fd: fds[0], maximumLineBytes: 1000) { event in
            switch event {
            case .line(let line): events.append("line:\(line)")
            case .overlong: events.append("overlong")
            case .truncated(let tail): events.append("truncated:\(tail)")
            }
        }
        close(fds[0])
        XCTAssertEqual(events, ["line:one", "overlong", "line:two", "truncated:partial"])
    }
}
