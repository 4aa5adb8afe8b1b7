import BenchTestSupport
import XCTest

@testable import BenchCore
@testable import BenchModel

final class ProcStatusTests: ProcessFreeTestCase {
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
        XCTAssertEqual(status.threads, 4)
    }

    func testParsesProcIO() throws {
        let io = try XCTUnwrap(
            ProcIO.parse(
                "rchar: 1000\nwchar: 2000\nsyscr: 5\nsyscw: 6\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n"
            ))
        XCTAssertEqual(
            io, ProcIO(readBytes: 1000, writtenBytes: 2000, storageReadBytes: 4096, storageWrittenBytes: 8192))
        XCTAssertNil(ProcIO.parse("syscr: 5\n"), "without rchar/wchar there is no reading")
        let own = try XCTUnwrap(
            ProcIO.parse(String(decoding: TestSupport.readProcFile("/proc/self/io") ?? [], as: UTF8.self)))
        XCTAssertGreaterThan(own.readBytes, 0)
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
