import BenchTestSupport
import XCTest

@testable import BenchModel
@testable import BenchSession
@testable import BenchSystem

/// `check`'s options as values (``CheckSettings``), checked against each other before anything
/// runs: each refusal next to the value it lets through, so dropping a check fails here.
final class CheckSettingsTests: ProcessFreeTestCase {
    func testWhatGrewRowsTakesACountOfAtLeastOne() {
        var settings = CheckSettings()
        XCTAssertNil(usage { try settings.checkWhatGrewRows() }, "the default")
        settings.whatGrewRows = 1
        XCTAssertNil(usage { try settings.checkWhatGrewRows() })
        settings.whatGrewRows = 0
        XCTAssertEqual(
            usage { try settings.checkWhatGrewRows() },
            "--what-grew-rows takes a count ≥ 1, got 0 (--no-what-grew turns the profiled repeats off)")
    }

    func testNothingGivenRunsTheBaselinesPlan() throws {
        XCTAssertEqual(try CheckSettings().mode(), .baselinePlan)
        var settings = CheckSettings()
        settings.scenarios = ["pipeline-copy"]
        settings.inject = ["pipeline-copy.items=5"]
        settings.fixedRepeats = true
        settings.against = "HEAD~1"
        XCTAssertEqual(try settings.mode(), .baselinePlan, "the options that shape the baseline's plan")
        XCTAssertEqual(settings.baselinePath, PlanWriter.defaultBaseline)
        settings.baseline = "other.json"
        XCTAssertEqual(settings.baselinePath, "other.json")
    }

    /// `--run` judges what exists: every option that runs something new is refused with it, while
    /// the ones that pick what is judged (`--scenario`) pass.
    func testARunFolderRefusesWhatRunsANewCheck() throws {
        var judging = CheckSettings()
        judging.runFolder = "runs/a"
        judging.scenarios = ["pipeline-copy"]
        XCTAssertEqual(try judging.mode(), .judge(runFolder: "runs/a"))
        let refused = "--run judges an existing run; --inject, --against, --plan and --shard run a new one"
        let conflicts: [(String, (inout CheckSettings) -> Void)] = [
            ("--inject", { $0.inject = ["pipeline-copy.items=5"] }),
            ("--against", { $0.against = "HEAD~1" }),
            ("--plan", { $0.sharding.planFile = "plan.json" }),
            ("--shard", { $0.sharding.shard = "1/2" }),
            ("--shards", { $0.sharding.shards = 2 }),
            ("--shard-from-env", { $0.sharding.shardFromEnvironment = "INDEX" }),
        ]
        for (option, give) in conflicts {
            var settings = judging
            give(&settings)
            XCTAssertEqual(usage { _ = try settings.mode() }, refused, option)
        }
    }

    /// `--plan` fixed what is judged when the plan was made: the options that would change it are
    /// refused, each by name; a shard index passes.
    func testAPlanRefusesWhatShapesACheck() throws {
        var shard = CheckSettings()
        shard.sharding = ShardRequest(planFile: "plan.json", shard: "2/3")
        shard.against = "HEAD~1"
        shard.baseline = "baseline.json"
        XCTAssertEqual(try shard.mode(), .shard(planFile: "plan.json"))
        let conflicts: [(String, (inout CheckSettings) -> Void)] = [
            ("--scenario", { $0.scenarios = ["pipeline-copy"] }),
            ("--inject", { $0.inject = ["pipeline-copy.items=5"] }),
            ("--fixed-repeats", { $0.fixedRepeats = true }),
        ]
        for (option, give) in conflicts {
            var settings = shard
            give(&settings)
            XCTAssertEqual(
                usage { _ = try settings.mode() },
                "--plan fixes what the check judges; \(option) belongs on bpbench plan --check when the plan is made")
        }
    }

    /// Only a plan file can be cut into shards.
    func testAShardOptionWithoutAPlanIsRefused() {
        let refused =
            "--shard, --shards and --shard-from-env cut a check's plan: make one with bpbench plan --check … --out FILE, then check --plan FILE"
        for request in [ShardRequest(shard: "1/2"), ShardRequest(shards: 2), ShardRequest(shardFromEnvironment: "I")] {
            var settings = CheckSettings()
            settings.sharding = request
            XCTAssertEqual(usage { _ = try settings.mode() }, refused, "\(request)")
        }
    }

    /// `check --run`'s what-grew repeats: `--cpus` when given (a bad one refused), else the set the
    /// run recorded when this machine has it, else the default.
    func testTheRepeatedRunsCPUsComeFromTheOptionThenTheRecordThenTheDefault() throws {
        let standard = try ChildCPUs.resolve(nil)
        let first = try XCTUnwrap(standard.cpus.first)
        let recorded = try XCTUnwrap(ChildCPUs([first]))
        var settings = CheckSettings()
        XCTAssertEqual(try settings.childCPUs(repeating: nil), standard)
        XCTAssertEqual(try settings.childCPUs(repeating: recorded), recorded, "the recorded set, present here")
        XCTAssertEqual(
            try settings.childCPUs(repeating: try XCTUnwrap(ChildCPUs([100_000]))), standard,
            "a CPU this machine lacks: the default")
        settings.cpus = "all"
        XCTAssertEqual(try settings.childCPUs(repeating: recorded), try ChildCPUs.resolve("all"), "--cpus first")
        settings.cpus = "zero"
        XCTAssertEqual(
            usage { _ = try settings.childCPUs(repeating: recorded) },
            "--cpus takes a CPU list such as 0,1 or 0-3, or all; got 'zero'")
    }
}
