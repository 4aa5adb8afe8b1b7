import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// `bpbench run --crash-test N`: the durable queue's promise, tested the hard way. The scenario
/// runs on one state file (the parameter its description names as `durableStateParameter`); N times it is killed with SIGKILL at a random moment (while producing,
/// committing or consuming) and restarted on the same file; a last, unkilled run drains the
/// queue and verifies that every committed event was processed at least once.
public struct CrashTest: Sendable {
    public let kills: Int
    /// Kills land uniformly in this many seconds after a start (after the ~50 ms a child needs to
    /// open its queue, so most kills hit producing, committing or consuming).
    public let window: ClosedRange<Double>

    public init(kills: Int, window: ClosedRange<Double> = 0.1...0.8) throws(BenchError) {
        guard kills >= 1 else { throw BenchError(.usage, "--crash-test takes a number of kills ≥ 1, got \(kills)") }
        self.kills = kills
        self.window = window
    }

    /// Runs the kills and the final drain through `executor`; returns every record (the killed
    /// ones first, then the drain, whose metrics carry `events_committed`, `events_processed`,
    /// `lost`, `duplicates`).
    public func execute(
        step: RunPlan.Step, profile: Profile, executor: any StepExecutor, directory: String,
        interruption: Interruption? = nil, progress: (String) -> Void
    ) -> [RunRecord] {
        let stateParameter = step.entry.description.durableStateParameter ?? "state_file"
        var parameters = step.parameters.filter { $0.0 != stateParameter }
        parameters.append((stateParameter, directory + "/crash-test-state"))
        var generator = SystemRandomNumberGenerator()
        var records: [RunRecord] = []
        var completedEarly = 0
        for kill in 0...kills {
            if interruption?.isInterrupted == true { break }
            var start = step
            start.parameters = parameters
            start.repeatIndex = kill + 1
            start.killAfterS = kill < kills ? Double.random(in: window, using: &generator) : nil
            var record = executor.execute(start, profile: profile, logDirectory: directory + "/logs")
            if kill < kills, record.status != .killed { completedEarly += 1 }
            progress(
                kill < kills
                    ? "kill \(kill + 1)/\(kills): \(record.status.rawValue)\(record.observed.killedAtS.map { String(format: " at %.3f s", $0) } ?? "")"
                    : "final drain: \(record.status.rawValue) \(record.statusDetail ?? "")")
            record.observed.harnessMetrics["crash_test_kills"] = Double(kills - completedEarly)
            records.append(record)
            if record.status == .interrupted { break }
        }
        // What the final drain says about the restarts: `runs` counts the starts recorded in the
        // queue file itself (kills + 1 when every restart resumed the same file, 1 if a restart
        // had begun on a fresh one), and what it committed itself tells what earlier runs left.
        if records.count == kills + 1, var final = records.popLast() {
            if let committed = final.metrics["events_committed"], let own = final.metrics["run_committed"] {
                final.observed.harnessMetrics["committed_before_last_restart"] = committed - own
            }
            final.observed.harnessMetrics["crash_test_starts"] = Double(records.count + 1)
            records.append(final)
        }
        return records
    }

    /// The one line that says whether the promise held, or nil when it did: the final drain not
    /// ok, anything lost, or a queue file that did not carry over every restart.
    public static func failure(_ records: [RunRecord]) -> String? {
        guard let final = records.last else { return "no run finished" }
        if final.status != .ok {
            return "the final drain ended \(final.status.rawValue)\(final.statusDetail.map { ": " + $0 } ?? "")"
        }
        if let lost = final.metrics["lost"], lost != 0 { return "\(Int(lost)) committed events were lost" }
        if let landed = final.metrics["crash_test_kills"], let starts = final.metrics["crash_test_starts"],
            landed * 2 < starts - 1
        {
            return
                "only \(Int(landed)) of \(Int(starts - 1)) kills landed (the other runs finished first): too little was tested — raise items or pace the producer"
        }
        // A kill can land before a start has opened the file, so runs may fall short of starts;
        // a file that saw only the final run means the restarts did not resume it.
        if let runs = final.metrics["runs"], let starts = final.metrics["crash_test_starts"], starts > 1, runs <= 1 {
            return "the queue file records \(Int(runs)) run for \(Int(starts)) starts: the restarts did not resume it"
        }
        return nil
    }
}
