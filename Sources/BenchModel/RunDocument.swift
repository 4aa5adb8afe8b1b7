import BenchProtocol
import Foundation

/// A whole run as written to `run.json`: settings, environment and every recorded repeat.
public struct RunDocument: Codable, Sendable, Equatable {
    /// 2: a record keeps the child's hello and result as sent, and the parent's observation apart.
    public static let currentFormatVersion = 2

    public var formatVersion: Int
    public var tool: String
    public var startedAt: String
    public var finishedAt: String
    public var profile: String
    /// Recorded repeats at the end scales: the fixed count, or the adaptive minimum.
    public var repeats: Int
    /// With adaptive repeats: the most a row could get (nil: fixed at `repeats`).
    public var maxRepeats: Int?
    /// With the gate's adaptive repeats: how far past `maxRepeats` a row whose growth verdict is
    /// still to settle could run (``RepeatPolicy/ceiling``); nil: no further, or not recorded.
    public var repeatCeiling: Int?
    /// With adaptive repeats in `run`: the relative half-width the median's confidence interval
    /// had to be within, and that interval's level (`check` settles by the gate's own rule).
    public var ciWidth: Double?
    public var ciLevel: Double?
    /// With adaptive repeats in `run`: the wall-clock seconds a row's repeats at one scale could
    /// take before no more were added (`PrecisionRule.budgetS`); nil: no budget, or not recorded.
    public var repeatBudgetS: Double?
    public var warmups: Int
    public var scales: [Double]
    public var sampleIntervalMs: Double
    public var memoryCapBytes: Int
    public var timeoutS: Double
    /// True when the run was cut short (Ctrl-C, SIGTERM): the records are the finished ones.
    public var interrupted: Bool
    public var environment: HostEnvironment
    /// The claims each scenario declared, kept so a report can be rebuilt from run.json alone.
    public var claims: [String: [SeedClaim]]
    /// Parameters changed on purpose to stand for a code change (`bpbench check --inject`),
    /// scenario → keys: the gate does not count them as a different plan, and reports mark them.
    public var injected: [String: [String]]?
    /// Rows whose scale parameter is a duration (a rate mismatch run for a fixed time): their
    /// growth is fitted against time, not input bytes.
    public var growsWithTimeRows: [String]?
    /// True when the harness died before writing run.json and the document was rebuilt from the
    /// run folder's journal (``RunFolder``): every row that finished is here, the run is incomplete.
    public var recoveredFromJournal: Bool?
    /// The row the report's ratios are computed against: `--reference`, else the scenario whose
    /// description says it is the reference (nil when none ran).
    public var reference: RowID?
    /// Each row's language, pattern and variant (from the scenarios' descriptions); optional so
    /// documents written before it still load.
    public var rowTraits: [String: RowTraits]?

    /// `row`'s traits as recorded (the plan records its scenarios' and variants' rows; a
    /// system-allocator row shares its jemalloc twin's, ``RowID/onJemalloc``).
    public func traits(of row: RowID) -> RowTraits? { rowTraits?[row.description] }
    /// `--attribute`: each row's peak heap by allocation stack, and why a row has none.
    public var attributions: [PeakAttribution]?
    public var attributionProblems: [String]?
    public var records: [RunRecord]

    public init(
        startedAt: String, profile: String, repeats: Int, warmups: Int, scales: [Double], limits: ChildLimits,
        environment: HostEnvironment
    ) {
        formatVersion = Self.currentFormatVersion
        tool = "bpbench"
        self.startedAt = startedAt
        finishedAt = startedAt
        self.profile = profile
        self.repeats = repeats
        self.warmups = warmups
        self.scales = scales
        sampleIntervalMs = limits.sampleIntervalMs
        memoryCapBytes = limits.memoryCapBytes
        timeoutS = limits.timeoutS
        interrupted = false
        self.environment = environment
        claims = [:]
        records = []
    }

    /// Now, as the documents write it (ISO 8601, UTC).
    public static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }

    /// Appends a recorded row; the first child's jemalloc version and options become the run's.
    public mutating func adopt(_ record: RunRecord) {
        records.append(record)
        if environment.jemallocVersion == "unknown", let version = record.hello?.jemallocVersion {
            environment.jemallocVersion = version
            environment.mallocConf = record.hello?.mallocConf ?? "unknown"
        }
    }
}

extension RunDocument {
    /// The rows of `entries` whose scale parameter is a duration (nil when there are none).
    public static func timeRows(_ entries: [ScenarioEntry], profile: Profile) -> [String]? {
        let rows = entries.filter { $0.description.scalesTime }.flatMap {
            RowID.rows(of: $0.description, profile: profile.rawValue).map(\.description)
        }
        return rows.isEmpty ? nil : rows
    }
}
