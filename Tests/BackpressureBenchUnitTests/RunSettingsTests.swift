import BenchTestSupport
import XCTest

@testable import BenchModel
@testable import BenchSession
@testable import BenchSystem

/// `run`'s options as values (``RunSettings``), checked before anything runs: each refusal next
/// to the value it lets through, and "was this option given" compared with the CLI's defaults.
final class RunSettingsTests: ProcessFreeTestCase {
    func testScalesAreParsedAndBadOnesRefused() throws {
        var settings = RunSettings()
        settings.scale = "1, 4,0.5"
        XCTAssertEqual(try settings.scales(), [1, 4, 0.5])
        for bad in ["", ",", "0", "-1", "1,x", "inf"] {
            settings.scale = bad
            XCTAssertEqual(
                usage { _ = try settings.scales() },
                "--scale takes positive factors separated by commas, e.g. 1,4; got '\(bad)'", bad)
        }
    }

    func testTheLimitsComeFromTheOptions() throws {
        var settings = RunSettings()
        settings.memoryCap = "64MiB"
        settings.sampleIntervalMs = 0
        settings.timelineIntervalMs = 20
        settings.timeout = 12
        let limits = try settings.limits()
        XCTAssertEqual(limits.memoryCapBytes, 64 << 20)
        XCTAssertEqual(limits.sampleIntervalMs, 0)
        XCTAssertEqual(limits.timelineIntervalMs, 20)
        XCTAssertEqual(limits.timeoutS, 12)
        XCTAssertNotNil(limits.cpus, "pinned to the default set")
    }

    /// A cap below what an idle child needs can only produce memory-cap rows: refused, while the
    /// smallest useful one passes.
    func testACapBelowAnIdleChildIsRefused() throws {
        var settings = RunSettings()
        settings.memoryCap = "31MiB"
        XCTAssertEqual(
            usage { _ = try settings.limits() },
            "--memory-cap 31MiB is below what an idle scenario child needs (32 MiB: runtime, NIO threads, binary); every row would end memory-cap"
        )
        settings.memoryCap = "32MiB"
        XCTAssertEqual(try settings.limits().memoryCapBytes, RunSettings.smallestUsefulCap)
        settings.memoryCap = "lots"
        XCTAssertEqual(
            usage { _ = try settings.limits() },
            "--memory-cap must be a size such as 2GiB, got 'lots'")
    }

    func testSamplingAndTimeoutOutsideTheirRangesAreRefused() {
        var settings = RunSettings()
        settings.sampleIntervalMs = 0.05
        XCTAssertNotNil(usage { _ = try settings.limits() })
        settings.sampleIntervalMs = 0.1
        XCTAssertNil(usage { _ = try settings.limits() })
        settings.timeout = 0
        XCTAssertEqual(
            usage { _ = try settings.limits() },
            "--timeout must be a positive number of seconds")
    }

    /// The precision target is checked only for an adaptive policy: `--repeat` makes it moot.
    func testTheConfidenceWidthIsCheckedOnlyWhenAdaptive() throws {
        var settings = RunSettings()
        settings.ciWidth = 100
        XCTAssertEqual(
            usage { _ = try settings.repeatPolicy(.standard) },
            "--ci-width takes a percentage between 0 and 100 (exclusive), got 100.0")
        settings.repeats = 3
        let fixed = try settings.repeatPolicy(.standard)
        XCTAssertFalse(fixed.isAdaptive)
        XCTAssertEqual(fixed.minimum, 3)
    }

    /// Nothing given shapes nothing; each option given is named, unless allowed (a check's plan
    /// lets `--scenario` pick rows). `--cpus` and the shard options do not shape a plan.
    func testThePlanShapingOptionIsTheFirstGiven() {
        var settings = RunSettings()
        settings.cpus = "0"
        settings.sharding = ShardRequest(planFile: "p.json", shard: "1/2")
        XCTAssertNil(settings.planShapingOption())
        settings.scenarios = ["pipeline-copy"]
        XCTAssertEqual(settings.planShapingOption(), "--scenario")
        XCTAssertNil(settings.planShapingOption(allowing: ["--scenario"]))
        settings.timeout = 10
        XCTAssertEqual(settings.planShapingOption(allowing: ["--scenario"]), "--timeout")
        var interleaved = RunSettings()
        interleaved.interleave = true
        XCTAssertEqual(interleaved.planShapingOption(), "--interleave")
    }

    func testAShardRequestCutsAPlanOnlyWithAShardOption() throws {
        XCTAssertFalse(ShardRequest(planFile: "p.json").cutsAPlan)
        XCTAssertTrue(ShardRequest(shards: 3).cutsAPlan)
        XCTAssertEqual(try ShardRequest().spec(environment: [:]).description, "1/1")
        XCTAssertEqual(try ShardRequest(shard: "2/3").spec(environment: [:]).description, "2/3")
    }

    /// A path is a path — the project is not asked for it; `latest` asks it.
    func testARunFolderArgumentAsksForTheProjectOnlyForLatest() throws {
        var asked = 0
        let root = { () throws(BenchError) -> String in
            asked += 1
            throw BenchError(.noInput, "no project here")
        }
        XCTAssertEqual(try RunFolder.Reports.runDirectory("runs/a", projectRoot: root), "runs/a")
        XCTAssertEqual(asked, 0)
        XCTAssertThrowsError(try RunFolder.Reports.runDirectory("latest", projectRoot: root))
        XCTAssertEqual(asked, 1)
    }
}
