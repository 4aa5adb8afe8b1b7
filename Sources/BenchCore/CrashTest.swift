import BenchProtocol
import Foundation

/// `bpbench run --crash-test N`: the durable queue's promise, tested the hard way. The scenario
/// runs on one queue file; N times it is killed with SIGKILL at a random moment (while producing,
/// committing or consuming) and restarted on the same file; a last, unkilled run drains the
/// queue and verifies that every committed event was processed at least once.
public struct CrashTest: Sendable {
    /// The name of the parameter that points a scenario at its durable state.
    public static let fileParameter = "queue_file"

    public let kills: Int
    /// Kills land uniformly in this many seconds after a start (after the ~50 ms a child needs to
    /// open its queue, so most kills hit producing, committing or consuming).
    public let window: ClosedRange<Double>

    public init(kills: Int, window: ClosedRange<Double> = 0.1...0.8) throws(BenchError) {
        guard kills >= 1 else { throw BenchError(.usage, "--crash-test takes a number of kills ≥ 1, got \(kills)") }
        self.kills = kills
        self.window = window
    }

    /// Runs the kills and the final drain; returns every record (the killed ones first, then the
    /// drain, whose metrics carry `events_committed`, `events_processed`, `lost`, `duplicates`).
    public func execute(step: RunPlan.Step, profile: Profile, runner: BenchRunner, directory: String, progress: (String) -> Void) -> [RunRecord] {
        let queueFile = directory + "/crash-test-queue.sqlite"
        var parameters = step.parameters.filter { $0.0 != Self.fileParameter }
        parameters.append((Self.fileParameter, queueFile))
        var generator = SystemRandomNumberGenerator()
        var records: [RunRecord] = []
        var completedEarly = 0
        for kill in 0...kills {
            var limits = runner.limits
            limits.killAfterS = kill < kills ? Double.random(in: window, using: &generator) : nil
            var record = RunRecord(scenario: step.entry.name, repeatIndex: kill + 1, scale: step.scale,
                                   parameters: Dictionary(parameters, uniquingKeysWith: { $1 }),
                                   logFile: directory + "/logs/crash-test-\(kill + 1).log")
            let childRunner = ChildRunner(launcherPath: runner.catalog.launcherPath, limits: limits, interruption: runner.interruption)
            runner.run(step.entry, profile: profile, parameters: parameters, with: childRunner, into: &record)
            if kill < kills, record.status != .killed { completedEarly += 1 }
            progress(kill < kills
                ? "kill \(kill + 1)/\(kills): \(record.status.rawValue)\(record.killedAtS.map { String(format: " at %.3f s", $0) } ?? "")"
                : "final drain: \(record.status.rawValue) \(record.statusDetail ?? "")")
            record.metrics["crash_test_kills"] = Double(kills - completedEarly)
            records.append(record)
            if record.status == .interrupted { break }
        }
        return records
    }
}
