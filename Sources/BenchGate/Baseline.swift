import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `Reports/baseline.json`: trusted runs as plain data — every repeat's figures (not just
/// medians: the gate's significance test needs the noise), the plan that produced them (so an
/// incomparable run is refused, not silently passed) and the machine it ran on.
///
/// Format 3 holds **several separate runs** of one plan (``runs``; `make baseline` records 3) and
/// each run's repeats per cell (``Entry/runSamples``), so a cell that gates (no base revision in
/// the job) is judged against the spread *between* runs, not only the noise inside one: the heap
/// of one row moves between runs by more than within one (manual-drain's medians 3.2–3.9 MiB over
/// three runs here, pipeline-copy's in-flight 1.9 → 2.7 MiB), and a test that knows only one
/// run's repeats reads any such shift as p = 0.004 (issue 25). Format 2, one run's repeats, is
/// still read and judged as before, with a line saying its between-run spread is unknown.
public struct Baseline: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 3
    /// One run's repeats per cell, no record of which run: still read (``Entry/runSamples`` then
    /// holds one run) and judged against that run alone, as before format 3.
    public static let singleRunFormatVersion = 2

    /// One of the separate runs a format-3 baseline was recorded from.
    public struct Run: Codable, Sendable, Equatable {
        /// The run folder's name (`Reports/runs/<UTC start time>`): what check.md names.
        public var id: String
        public var startedAt: String
        public var finishedAt: String

        public init(id: String, startedAt: String, finishedAt: String) {
            self.id = id
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }
    }

    /// One scenario at one scale.
    public struct Entry: Codable, Sendable, Equatable {
        public var scenario: RowID
        public var scale: Double
        /// The resolved parameters every repeat ran with.
        public var parameters: [String: String]
        /// Status of every repeat of every run, in order.
        public var statuses: [RunStatus]
        /// The scenario's growth verdict: the one every recorded run reached, else inconclusive
        /// (a row that showed bounded in one run only has not shown it reliably).
        public var verdict: GrowthVerdict.Kind
        /// Each recorded run's growth verdict, in ``Baseline/runs`` order (format 3).
        public var runVerdicts: [GrowthVerdict.Kind]?
        /// Per recorded run, in ``Baseline/runs`` order: metric key → its value in each `ok`
        /// repeat of that run. One element for a format-2 baseline.
        public var runSamples: [[String: [Double]]]

        /// Metric key → its value in each `ok` repeat of every run, pooled (what the significance
        /// test compares the head with).
        public var samples: [String: [Double]] {
            runSamples.reduce(into: [:]) { pooled, run in
                for (key, values) in run { pooled[key, default: []] += values }
            }
        }

        /// `ok` when every repeat was.
        public var status: RunStatus { statuses.first { $0 != .ok } ?? .ok }

        public init(
            scenario: RowID, scale: Double, parameters: [String: String], statuses: [RunStatus],
            verdict: GrowthVerdict.Kind, runVerdicts: [GrowthVerdict.Kind]? = nil, runSamples: [[String: [Double]]]
        ) {
            self.scenario = scenario
            self.scale = scale
            self.parameters = parameters
            self.statuses = statuses
            self.verdict = verdict
            self.runVerdicts = runVerdicts
            self.runSamples = runSamples
        }

        enum CodingKeys: String, CodingKey {
            case scenario, scale, parameters, statuses, verdict, runVerdicts, runSamples, samples
        }

        /// Format 2 has `samples` (one run's repeats), format 3 `runSamples`.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            scenario = try container.decode(RowID.self, forKey: .scenario)
            scale = try container.decode(Double.self, forKey: .scale)
            parameters = try container.decode([String: String].self, forKey: .parameters)
            statuses = try container.decode([RunStatus].self, forKey: .statuses)
            verdict = try container.decode(GrowthVerdict.Kind.self, forKey: .verdict)
            runVerdicts = try container.decodeIfPresent([GrowthVerdict.Kind].self, forKey: .runVerdicts)
            runSamples =
                try container.decodeIfPresent([[String: [Double]]].self, forKey: .runSamples)
                ?? [try container.decode([String: [Double]].self, forKey: .samples)]
        }

        /// A one-run entry of a format-2 baseline (no ``runVerdicts``) is written as format 2 was.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(scenario, forKey: .scenario)
            try container.encode(scale, forKey: .scale)
            try container.encode(parameters, forKey: .parameters)
            try container.encode(statuses, forKey: .statuses)
            try container.encode(verdict, forKey: .verdict)
            if let runVerdicts {
                try container.encode(runVerdicts, forKey: .runVerdicts)
                try container.encode(runSamples, forKey: .runSamples)
            } else {
                try container.encode(samples, forKey: .samples)
            }
        }

        /// Metric key → its value in each `ok` repeat of `summary`, for every metric the gate can judge.
        static func samples(of summary: ScenarioSummary) -> [String: [Double]] {
            var samples: [String: [Double]] = [:]
            for metric in summary.metrics where metric.stability != .reported {
                let values = summary.samples(metric)
                if !values.isEmpty { samples[metric.key] = values }
            }
            return samples
        }
    }

    public var formatVersion: Int
    public var createdAt: String
    public var commit: String
    public var profile: String
    public var scales: [Double]
    public var repeats: Int
    public var warmups: Int
    public var sampleIntervalMs: Double
    public var environment: HostEnvironment
    public var reference: RowID?
    public var entries: [Entry]

    /// The separate runs this baseline was recorded from (format 3); nil for a format-2 baseline
    /// (one run, not named).
    public var runs: [Run]?

    /// Whether the baseline knows how far its figures move between runs: two or more recorded
    /// runs. Without it a baseline cell is judged against one run's repeats alone.
    public var knowsRunSpread: Bool { (runs?.count ?? 1) >= 2 }

    /// A one-run baseline of format 2 — what `baseline update` wrote before format 3, and what the
    /// tests that judge against one synthetic run build.
    public init(_ analysis: RunAnalysis) {
        let document = analysis.document
        formatVersion = Self.singleRunFormatVersion
        createdAt = document.finishedAt
        commit = document.environment.gitCommit
        profile = document.profile
        scales = document.scales
        repeats = document.repeats
        warmups = document.warmups
        sampleIntervalMs = document.sampleIntervalMs
        environment = document.environment
        reference = analysis.reference
        entries = analysis.summaries.map { summary in
            Entry(
                scenario: summary.scenario, scale: summary.scale,
                parameters: summary.records.first?.parameters ?? [:],
                statuses: summary.records.map(\.status),
                verdict: analysis.verdicts[summary.scenario]?.kind ?? .unknown,
                runSamples: [Entry.samples(of: summary)])
        }
    }

    /// A format-3 baseline from separate runs of one plan, revision and CPU set (checked by
    /// ``BaselineRecording``), oldest first: each cell keeps every run's repeats.
    init(recordedRuns: [(run: Run, analysis: RunAnalysis)]) {
        let first = recordedRuns[0].analysis
        self.init(first)
        formatVersion = Self.currentFormatVersion
        createdAt = recordedRuns.last?.analysis.document.finishedAt ?? createdAt
        runs = recordedRuns.map(\.run)
        entries = first.summaries.map { summary in
            let matching = recordedRuns.map { recorded in
                recorded.analysis.summaries.summary(summary.scenario, scale: summary.scale)
            }
            let verdicts = recordedRuns.map { $0.analysis.verdicts[summary.scenario]?.kind ?? .unknown }
            return Entry(
                scenario: summary.scenario, scale: summary.scale,
                parameters: summary.records.first?.parameters ?? [:],
                statuses: matching.flatMap { $0?.records.map(\.status) ?? [] },
                verdict: Set(verdicts).count == 1 ? verdicts[0] : .inconclusive,
                runVerdicts: verdicts,
                runSamples: matching.map { $0.map(Entry.samples(of:)) ?? [:] })
        }
    }

    /// The medians of `metric`'s repeats in each recorded run of `entry`, when the baseline knows
    /// its between-run spread (two or more runs with figures for it); nil otherwise.
    public func runSpread(_ entry: Entry, metric: String) -> BaselineRunSpread? {
        guard knowsRunSpread, let runs, runs.count == entry.runSamples.count else { return nil }
        return BaselineRunSpread(runs: runs.map(\.id), repeats: entry.runSamples.map { $0[metric] ?? [] })
    }

    /// This baseline with only `scenario` (a proof cell judges one scenario alone).
    public func restricted(to scenario: RowID) -> Baseline {
        var copy = self
        copy.entries = entries.filter { $0.scenario == scenario }
        return copy
    }

    /// This baseline with only the rows `selectors` name (`NAME`, `NAME/VARIANT`, `NAME/*`, as
    /// `run --scenario` takes them): `check --scenario` judges those rows alone. A selector that
    /// names no row of the baseline is a usage error, not a silently empty gate.
    public func restricted(toRows selectors: [String]) throws(BenchError) -> Baseline {
        let rows = entries.map(\.scenario)
        var kept: Set<RowID> = []
        for selector in selectors {
            let wanted = RowID(selector)
            let matches = rows.filter { row in
                wanted.variant == RowSelection.everyRow && wanted.allocator == .jemalloc
                    ? row.scenario == wanted.scenario : row == wanted
            }
            guard !matches.isEmpty else {
                var known: [RowID] = []
                for row in rows where !known.contains(row) { known.append(row) }
                throw BenchError(
                    .usage,
                    "--scenario \(selector) is not a row of the baseline (rows: \(known.map(\.description).joined(separator: ", ")))"
                )
            }
            kept.formUnion(matches)
        }
        var copy = self
        copy.entries = entries.filter { kept.contains($0.scenario) }
        return copy
    }

    public func entry(_ scenario: RowID, scale: Double) -> Entry? {
        entries.first { $0.scenario == scenario && $0.scale == scale }
    }

    /// The first difference that makes `document` incomparable with this baseline, in one line,
    /// or nil. Parameters named in `document.injected` are declared changes and do not count.
    /// Another CPU or kernel does not make a run incomparable (see ``environmentNotes(_:)``).
    public func incomparability(_ document: RunDocument) -> String? {
        if document.profile != profile { return "profile \(document.profile) ≠ baseline's \(profile)" }
        if document.scales.sorted() != scales.sorted() {
            return
                "scales \(document.scales.map(Format.scale).joined(separator: ",")) ≠ baseline's \(scales.map(Format.scale).joined(separator: ","))"
        }
        if document.sampleIntervalMs != sampleIntervalMs {
            return "sample interval \(document.sampleIntervalMs) ms ≠ baseline's \(sampleIntervalMs) ms"
        }
        let known = ["unknown", ""]
        if !known.contains(document.environment.mallocConf), !known.contains(environment.mallocConf),
            document.environment.mallocConf != environment.mallocConf
        {
            return "allocator options '\(document.environment.mallocConf)' ≠ baseline's '\(environment.mallocConf)'"
        }
        let injected = document.injected ?? [:]
        for record in document.records {
            guard let entry = entry(record.scenario, scale: record.scale) else { continue }
            // `--inject NAME.key=value` declares the change for every row of NAME, variants included.
            let declared = Set(injected[record.scenario.scenario] ?? [])
            for key in Set(entry.parameters.keys).union(record.parameters.keys).sorted() where !declared.contains(key) {
                let now = record.parameters[key]
                let then = entry.parameters[key]
                // A parameter the scenario gained after the baseline was recorded: the baseline
                // ran the behaviour before it existed, which its default keeps (a default that
                // changed behaviour would show in the figures the gate compares).
                if then == nil, now != nil, !entry.parameters.isEmpty { continue }
                if now != then {
                    return
                        "\(record.scenario) \(Format.scale(record.scale)) parameter \(key)=\(now ?? "(none)") ≠ baseline's \(then ?? "(none)")"
                }
            }
        }
        return nil
    }

    /// What moves the machine-stable figures and differs between the baseline's machine and
    /// `now` (``HostEnvironment/figureInputs``: the children's CPU count, kernel, Swift, jemalloc, SQLite,
    /// PostgreSQL, the socket-buffer sysctls), one "name a ≠ baseline's b" each; what either side
    /// did not record is not compared. With a difference the baseline's figures are not a fair
    /// reference: the gate judges them against the base revision only (``Gate``).
    public func figureInputDifferences(_ now: HostEnvironment) -> [String] {
        let mine = now.figureInputs
        let theirs = environment.figureInputs
        return Set(mine.keys).intersection(theirs.keys).sorted().compactMap { key in
            mine[key] == theirs[key] ? nil : "\(key) \(mine[key]!) ≠ baseline's \(theirs[key]!)"
        }
    }

    /// Differences of machine that do not make a run incomparable but belong in the report.
    public func environmentNotes(_ document: RunDocument) -> [String] {
        var notes: [String] = []
        let now = document.environment
        if now.cpu != environment.cpu {
            notes.append(
                "warning: CPU differs from the baseline's (\(now.cpu) vs \(environment.cpu)); machine-stable metrics are still compared"
            )
        }
        if now.cores != environment.cores {
            notes.append("warning: \(now.cores) cores vs the baseline's \(environment.cores)")
        }
        if now.kernel != environment.kernel {
            notes.append("warning: kernel \(now.kernel) vs the baseline's \(environment.kernel)")
        }
        if now.jemallocVersion != environment.jemallocVersion, now.jemallocVersion != "unknown" {
            notes.append("warning: jemalloc \(now.jemallocVersion) vs the baseline's \(environment.jemallocVersion)")
        }
        return notes
    }

    /// Reads a baseline of format 3, or 2 (one run): 66 when there is none at `path`, 74 when it
    /// cannot be read, 65 when it is empty, not JSON, of another format or not a baseline.
    public static func load(_ path: String) throws(BenchError) -> Baseline {
        let data = try JSONDocument.contents(
            of: path, what: "baseline", missing: "baseline \(path) does not exist (create it with: make baseline)")
        guard !data.isEmpty else { throw BenchError(.data, "baseline \(path) is empty") }
        let invalid = { (error: any Error) in
            "baseline \(path) is not a bpbench baseline: \(JSONDocument.problem(error))"
        }
        try JSONDocument.requireFormat(
            try JSONDocument.declaredFormat(in: data, invalid: invalid),
            readable: [singleRunFormatVersion, currentFormatVersion], of: "baseline \(path)",
            hint: "regenerate it: make baseline")
        return try JSONDocument.decode(Baseline.self, from: data, invalid: invalid)
    }

    public func write(to path: String) throws(BenchError) {
        let data: Data
        do { data = try JSONLineCoding.prettyEncoder.encode(self) } catch {
            throw BenchError(.software, "cannot encode baseline: \(error)")
        }
        try AtomicFile.write(data + Data("\n".utf8), to: path)
    }
}
