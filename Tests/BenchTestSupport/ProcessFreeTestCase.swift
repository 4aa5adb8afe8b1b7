import Foundation
import XCTest

/// The base of every unit test: it starts no process. The kernel adds the page faults of every
/// child this process has waited for to its RUSAGE_CHILDREN counts (an exec'd program faults in
/// hundreds of pages), so a count that moved during a test means the test started a process —
/// directly or through the harness (HostEnvironment.capture runs git and swift, the catalog runs
/// every scenario's `--describe`) — and belongs in the end-to-end target.
open class ProcessFreeTestCase: XCTestCase {
    private var faultsBefore = 0

    open override func setUp() {
        super.setUp()
        faultsBefore = Self.reapedChildrenFaults()
    }

    open override func tearDown() {
        XCTAssertEqual(
            Self.reapedChildrenFaults(), faultsBefore,
            "this unit test started a process: move it to Tests/BackpressureBenchEndToEndTests (ChildProcessTestCase)")
        super.tearDown()
    }

    /// Page faults (minor + major) of every child this process has waited for, so far.
    public static func reapedChildrenFaults() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return usage.ru_minflt + usage.ru_majflt
    }
}
