import BenchProtocol
import BenchTestSupport
import XCTest

final class ParameterTests: ProcessFreeTestCase {
    func testSizesUseBinaryAndDecimalSuffixes() throws {
        XCTAssertEqual(try ValueParser.bytes("16384", parameter: "b"), 16384)
        XCTAssertEqual(try ValueParser.bytes("16KiB", parameter: "b"), 16384)
        XCTAssertEqual(try ValueParser.bytes("16k", parameter: "b"), 16384)
        XCTAssertEqual(try ValueParser.bytes("4MiB", parameter: "b"), 4 << 20)
        XCTAssertEqual(try ValueParser.bytes("1GB", parameter: "b"), 1_000_000_000)
        XCTAssertEqual(try ValueParser.bytes("1.5KiB", parameter: "b"), 1536)
        XCTAssertEqual(try ValueParser.byteRate("32MiB/s", parameter: "r"), 32 << 20)
        XCTAssertEqual(try ValueParser.count("20k", parameter: "n"), 20_000)
        XCTAssertEqual(try ValueParser.count("1_000", parameter: "n"), 1000)
    }

    func testDurations() throws {
        XCTAssertEqual(try ValueParser.seconds("10ms", parameter: "d"), 0.010, accuracy: 1e-12)
        XCTAssertEqual(try ValueParser.seconds("250us", parameter: "d"), 0.000250, accuracy: 1e-12)
        XCTAssertEqual(try ValueParser.seconds("1.5s", parameter: "d"), 1.5)
        XCTAssertEqual(try ValueParser.seconds("2", parameter: "d"), 2)
        XCTAssertThrowsError(try ValueParser.seconds("-1s", parameter: "d"))
        XCTAssertThrowsError(try ValueParser.seconds("soon", parameter: "d"))
    }

    func testMalformedAndOverflowingValuesAreRejected() {
        for bad in ["abc", "-5", "", "12XB", "1.5", "99999999999999GiB", "9223372036854775807k"] {
            XCTAssertThrowsError(try ValueParser.count(bad, parameter: "items"), "count '\(bad)'")
        }
        XCTAssertThrowsError(try ValueParser.bytes("0.3", parameter: "b")) { error in
            XCTAssertTrue("\(error)".contains("whole number"))
        }
        XCTAssertThrowsError(try ValueParser.bytes("99999999999GiB", parameter: "item_bytes")) { error in
            XCTAssertEqual((error as? ParameterError)?.parameter, "item_bytes")
            XCTAssertTrue("\(error)".contains("too large"))
        }
    }

    func testSpecValidatesBoundsChoicesAndFlags() throws {
        let items = ParameterSpec.itemBytesLike
        XCTAssertThrowsError(try items.parse("0")) { XCTAssertTrue("\($0)".contains("at least")) }
        XCTAssertEqual(try items.parse("16KiB"), .integer(16384))
        let sink = ParameterSpec("sink", .choice, default: "socket", choices: ["socket", "memory"], help: "")
        XCTAssertEqual(try sink.parse("memory"), .text("memory"))
        XCTAssertThrowsError(try sink.parse("disk")) { XCTAssertTrue("\($0)".contains("one of socket, memory")) }
        let flag = ParameterSpec("resume", .flag, default: "false", help: "")
        XCTAssertEqual(try flag.parse("yes"), .flag(true))
        XCTAssertThrowsError(try flag.parse("maybe"))
    }

    func testResolveAppliesProfileDefaultsThenOverridesAndRejectsUnknownKeys() throws {
        let description = ScenarioDescription(
            name: "demo", summary: "",
            parameters: [
                ParameterSpec("items", .count, default: "20000", profiles: ["quick": "1500"], min: 1, help: ""),
                ParameterSpec("item_bytes", .bytes, default: "16KiB", min: 16, help: ""),
            ])
        let quick = try description.resolve(profile: "quick", overrides: [:])
        XCTAssertEqual(quick.map(\.1), ["1500", "16KiB"])
        let overridden = try description.resolve(profile: "standard", overrides: ["item_bytes": "1KiB"])
        XCTAssertEqual(overridden.map(\.1), ["20000", "1KiB"])
        XCTAssertThrowsError(try description.resolve(profile: "quick", overrides: ["itemz": "3"])) { error in
            XCTAssertTrue("\(error)".contains("not a parameter of demo"))
        }
        XCTAssertThrowsError(try description.resolve(profile: "quick", overrides: ["items": "-5"]))
    }
}

extension ParameterSpec {
    static let itemBytesLike = ParameterSpec(
        "item_bytes", .bytes, default: "16KiB", min: 16, max: Double(64 << 20), help: "")
}
