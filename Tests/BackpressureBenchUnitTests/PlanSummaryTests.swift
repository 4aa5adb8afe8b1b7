import BenchTestSupport
import XCTest

@testable import BenchModel
@testable import BenchSession

/// `bpbench plan`'s summary line states the most repeats a row of the plan can get: a check's
/// plan records the growth-verdict run-on's ceiling (11) beside the cells' maximum (7), and the
/// line said "adaptive up to 7".
final class PlanSummaryTests: ProcessFreeTestCase {
    func testACheckPlanSaysItsCeilingNotTheMaximum() throws {
        var file = try SyntheticShards.plan()
        file.maxRepeats = 7
        file.repeatCeiling = 11
        let text = PlanWriter.adaptiveText(file)
        XCTAssertTrue(text.hasPrefix(" (adaptive up to 11: 7 at most, up to 11 while a growth verdict"), text)
        XCTAssertFalse(text.contains("up to 7)"), text)
    }

    func testAPlanWithoutACeilingSaysItsMaximumAndAFixedPlanNothing() throws {
        var file = try SyntheticShards.plan()
        file.maxRepeats = 7
        XCTAssertEqual(PlanWriter.adaptiveText(file), " (adaptive up to 7)", "no ceiling recorded (an older plan)")
        file.repeatCeiling = 7
        XCTAssertEqual(PlanWriter.adaptiveText(file), " (adaptive up to 7)", "a ceiling no higher than the maximum")
        file.maxRepeats = nil
        file.repeatCeiling = nil
        XCTAssertEqual(PlanWriter.adaptiveText(file), "", "fixed repeats")
    }
}
