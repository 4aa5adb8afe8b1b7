import BenchProtocol
import Foundation

/// Executes a ``RunPlan`` one child at a time (children never compete for the two cores), and
/// collects the records. Warm-ups run and are reported to `progress` but not recorded.
public struct BenchRunner: Sendable {
    /// What the terminal is told as the run goes.
    public enum Event: Sendable {
        case starting(RunPlan.Step, index: Int, total: Int)
        case finished(RunPlan.Step, RunRecord)
    }

    public let catalog: ScenarioCatalog
    public let limits: ChildLimits
    public let cacheDirectory: String
    public let interruption: Interruption?

    public init(catalog: ScenarioCatalog, limits: ChildLimits, cacheDirectory: String, interruption: Interruption?) {
        self.catalog = catalog
        self.limits = limits
        self.cacheDirectory = cacheDirectory
        self.interruption = interruption
    }

    /// Runs every step, appending records to `document` (written by the caller). Stops early,
    /// marking the document interrupted, when the interruption flag goes up.
    public func execute(_ plan: RunPlan, logDirectory: String, into document: inout RunDocument, progress: (Event) -> Void) {
        let runner = ChildRunner(launcherPath: catalog.launcherPath, limits: limits, interruption: interruption)
        for (index, step) in plan.steps.enumerated() {
            if interruption?.isInterrupted == true { break }
            progress(.starting(step, index: index, total: plan.steps.count))
            let label = step.isWarmup ? "warmup" : "r\(step.repeatIndex)"
            let logFile = logDirectory + "/\(step.entry.name)-x\(Self.scaleLabel(step.scale))-\(label).log"
            var record = RunRecord(
                scenario: step.entry.name, repeatIndex: step.repeatIndex, scale: step.scale,
                parameters: Dictionary(step.parameters, uniquingKeysWith: { $1 }), logFile: logFile)
            run(step.entry, profile: plan.profile, parameters: step.parameters, with: runner, into: &record)
            progress(.finished(step, record))
            if record.status == .interrupted { document.interrupted = true }
            if !step.isWarmup, record.status != .interrupted { document.records.append(record) }
            if jemallocUnknown(document), let version = record.jemallocVersion {
                document.environment.jemallocVersion = version
                document.environment.mallocConf = record.mallocConf ?? "unknown"
            }
        }
        if interruption?.isInterrupted == true { document.interrupted = true }
    }

    /// Starts one child of `entry` with the harness's standard arguments and environment.
    func run(_ entry: ScenarioCatalog.Entry, profile: Profile, parameters: [(String, String)], with runner: ChildRunner, into record: inout RunRecord) {
        var arguments = ["--profile", profile.rawValue, "--sample-interval-ms", String(runner.limits.sampleIntervalMs),
                         "--timeline-interval-ms", String(runner.limits.timelineIntervalMs), "--cache-dir", cacheDirectory]
        for (key, value) in parameters { arguments += ["--param", "\(key)=\(value)"] }
        var environment = ProcessInfo.processInfo.environment
        environment["BPBENCH_CACHE_DIR"] = cacheDirectory
        runner.run(program: entry.executable, arguments: arguments, environment: environment, into: &record)
    }

    private func jemallocUnknown(_ document: RunDocument) -> Bool { document.environment.jemallocVersion == "unknown" }

    static func scaleLabel(_ scale: Double) -> String {
        scale == scale.rounded() ? String(Int(scale)) : String(scale)
    }
}
