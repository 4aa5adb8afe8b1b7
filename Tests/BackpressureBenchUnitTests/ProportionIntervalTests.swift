import BenchTestSupport
import Foundation
import XCTest

@testable import BenchStatistics

/// The exact interval every gate-proof rate is reported with, at values published for
/// Clopper–Pearson (and derivable by hand at the edges: 0 of n → 1 − 0.025^(1/n)).
final class ProportionIntervalTests: ProcessFreeTestCase {
    func testKnownClopperPearsonBounds() throws {
        let none = try XCTUnwrap(ProportionInterval(successes: 0, trials: 30))
        XCTAssertEqual(none.lower, 0)
        XCTAssertEqual(none.upper, 1 - pow(0.025, 1.0 / 30), accuracy: 1e-9)
        XCTAssertEqual(
            none.upper, 0.1157, accuracy: 0.0001, "0 false alarms in 30 checks bounds the rate below 11.6 %, not at 0")

        let one = try XCTUnwrap(ProportionInterval(successes: 1, trials: 30))
        XCTAssertEqual(one.lower, 1 - pow(0.975, 1.0 / 30), accuracy: 1e-9)
        XCTAssertEqual(one.upper, 0.1722, accuracy: 0.0001)

        let all = try XCTUnwrap(ProportionInterval(successes: 30, trials: 30))
        XCTAssertEqual(all.lower, pow(0.025, 1.0 / 30), accuracy: 1e-9)
        XCTAssertEqual(all.lower, 0.8843, accuracy: 0.0001)
        XCTAssertEqual(all.upper, 1)

        // A middle value (the binomial inverted on both sides): 5 of 10 → 18.7 %–81.3 %.
        let half = try XCTUnwrap(ProportionInterval(successes: 5, trials: 10))
        XCTAssertEqual(half.lower, 0.1871, accuracy: 0.0001)
        XCTAssertEqual(half.upper, 0.8129, accuracy: 0.0001)
    }

    func testMoreTrialsNarrowTheIntervalAndTheTextSaysIt() throws {
        let ten = try XCTUnwrap(ProportionInterval(successes: 0, trials: 10))
        let thirty = try XCTUnwrap(ProportionInterval(successes: 0, trials: 30))
        XCTAssertGreaterThan(ten.upper, thirty.upper)
        XCTAssertEqual(ten.upper, 0.3085, accuracy: 0.0001, "the old proof's 0 of 10 only bounds the rate below 31 %")
        XCTAssertEqual(thirty.description, "0 of 30 (95 % CI 0 %–11.6 %)")
        XCTAssertNil(ProportionInterval(successes: 0, trials: 0), "no trials, no interval")
        XCTAssertNil(ProportionInterval(successes: 3, trials: 2))
    }
}
