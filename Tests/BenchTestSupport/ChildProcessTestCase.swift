import Foundation
import XCTest

/// The base of every end-to-end test: whatever a test started — scenario children and their
/// workers, servers, bpbench, git, swift, node — must be gone when it ends. The check covers only
/// what this test process started (TestProcessScope), so test processes can run side by side
/// (`swift test --parallel`) without failing on each other's children.
open class ChildProcessTestCase: XCTestCase {
    /// How long a test's processes get to exit after it ends (a killed child's parent may still
    /// be reaping it) before they count as orphans.
    public static let grace: TimeInterval = 2

    open override func setUp() {
        super.setUp()
        TestProcessScope.enter()
    }

    open override func tearDown() {
        let deadline = Date().addingTimeInterval(Self.grace)
        while !TestProcessScope.leftovers().isEmpty, Date() < deadline { usleep(20_000) }
        let orphans = TestProcessScope.leftovers()
        XCTAssertEqual(orphans, [], "orphaned processes: \(orphans.map(Self.describe).joined(separator: "; "))")
        // Reported, then killed: one test's orphan must not fail every test after it.
        for pid in orphans { kill(pid, SIGKILL) }
        super.tearDown()
    }

    /// `pid (command line)`, for the failure message.
    public static func describe(_ pid: Int32) -> String {
        let arguments = TestSupport.readProcFile("/proc/\(pid)/cmdline").map { bytes in
            bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        }
        return "\(pid) (\(arguments ?? "gone"))"
    }
}
