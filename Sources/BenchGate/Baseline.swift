import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `Reports/baseline.json`: a trusted run as plain data — every repeat's figures (not just
/// medians: the gate's significance test needs the noise), the plan that produced them (so an
/// incomparable run is refused, not silently passed) and the machine it ran on.
public struct Baseline: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 2

    /// One scenario at one scale.
    public struct Entry: Codable, Sendable, Equatable {
        public var scenario: RowID
        public var scale: Double
        /// The resolved parameters every repeat ran with.
        public var parameters: [String: String]
        /// Status of every repeat, in order.
        public var statuses: [RunStatus]
        /// The scenario's growth verdict in the baseline run.
        public var verdict: GrowthVerdict.Kind
        /// Metric key → its value in each `ok` repeat.
        public var samples: [String: [Double]]

        /// `ok` when every repeat was.
        public var status: RunStatus { statuses.first { $0 != .ok } ?? .ok }
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

    /// The baseline a run would make.
    public init(_ analysis: RunAnalysis) {
        let document = analysis.document
        formatVersion = Self.currentFormatVersion
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
            var samples: [String: [Double]] = [:]
            for metric in summary.metrics where metric.stability != .reported {
                let values = summary.samples(metric)
                if !values.isEmpty { samples[metric.key] = values }
            }
            return Entry(
                scenario: summary.scenario, scale: summary.scale,
                parameters: summary.records.first?.parameters ?? [:],
                statuses: summary.records.map(\.status),
                verdict: analysis.verdicts[summary.scenario]?.kind ?? .unknown,
                samples: samples)
        }
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
            let declared = Set(injected[record.scenario.description] ?? [])
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

    public static func load(_ path: String) throws(BenchError) -> Baseline {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BenchError(.noInput, "baseline \(path) does not exist (create it with: make baseline)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchError(.io, "cannot read baseline \(path)")
        }
        guard !data.isEmpty else { throw BenchError(.data, "baseline \(path) is empty") }
        struct Version: Decodable { var formatVersion: Int? }
        guard let version = try? JSONLineCoding.decoder.decode(Version.self, from: data) else {
            throw BenchError(.data, "baseline \(path) is not valid JSON (truncated or corrupt)")
        }
        guard version.formatVersion == currentFormatVersion else {
            throw BenchError(
                .data,
                "baseline \(path) has format version \(version.formatVersion.map(String.init) ?? "none"); this bpbench reads \(currentFormatVersion) (regenerate it: make baseline)"
            )
        }
        do {
            return try JSONLineCoding.decoder.decode(Baseline.self, from: data)
        } catch {
            throw BenchError(.data, "baseline \(path) is not a bpbench baseline: \(error.localizedDescription)")
        }
    }

    public func write(to path: String) throws(BenchError) {
        let data: Data
        do { data = try JSONLineCoding.prettyEncoder.encode(self) } catch {
            throw BenchError(.software, "cannot encode baseline: \(error)")
        }
        try AtomicFile.write(data + Data("\n".utf8), to: path)
    }
}
