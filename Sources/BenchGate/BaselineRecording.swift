import BenchModel
import BenchReport
import BenchSystem
import Foundation

/// The separate runs `bpbench baseline update` makes a baseline from, checked to be runs of one
/// plan: the same profile, scales, repeats, sampling, allocator options and rows with the same
/// parameters, at the same revision, with the children on the same number of CPUs — so the
/// spread between them is the run-to-run noise of unchanged code on one machine, and nothing
/// else. Why several runs: a baseline cell that gates (no base revision in the job) is judged
/// against that spread (``BaselineRunSpread``); one run's repeats know only the noise inside a run.
public struct BaselineRecording: Sendable {
    /// How many runs `make baseline` and `baseline update` record by default: the fewest the issue
    /// asks for (≥ 3) — two runs show a spread, but one odd run would then be half of it.
    public static let standardRunCount = 3

    /// One run to record: its ID (the run folder's name) and what it recorded.
    public struct Source: Sendable {
        public var id: String
        public var document: RunDocument

        public init(id: String, document: RunDocument) {
            self.id = id
            self.document = document
        }

        /// The run in `folder` (66 when it holds none; 65 when it was cut short).
        public init(folder: String) throws(BenchError) {
            let document = try RunFolder(existing: folder).load()
            guard !document.interrupted else {
                throw BenchError(.data, "\(folder) is an interrupted run; refusing to make it the baseline")
            }
            self.init(id: ((folder as NSString).standardizingPath as NSString).lastPathComponent, document: document)
        }
    }

    /// The runs, oldest first.
    public let sources: [Source]

    /// `sources` as one recording; 65 with one line naming the first difference when two are not
    /// runs of one plan, revision and CPU count, or when a run folder is given twice.
    public init(_ sources: [Source]) throws(BenchError) {
        guard let first = sources.first else { throw BenchError(.noInput, "no run to record a baseline from") }
        var seen: Set<String> = []
        for source in sources {
            guard seen.insert(source.id).inserted else {
                throw BenchError(.data, "run \(source.id) is given twice; a baseline needs separate runs")
            }
            if let difference = Self.difference(source.document, from: first.document) {
                throw BenchError(
                    .data,
                    "runs \(first.id) and \(source.id) differ (\(difference)); a baseline records separate runs of one plan, revision and CPU set"
                )
            }
        }
        // Oldest first. startedAt has whole seconds: two runs started within one are told apart
        // by their folders' names (RunFolder suffixes the second one's `-1`), not left in the
        // order they were found — newest first — which put `…T072052Z-1` before `…T072052Z`.
        self.sources = sources.sorted { ($0.document.startedAt, $0.id) < ($1.document.startedAt, $1.id) }
    }

    /// The first difference of plan, revision or child CPUs between `other` and `run`, in a few
    /// words; nil when `other` is another run of the same.
    public static func difference(_ other: RunDocument, from run: RunDocument) -> String? {
        let mine = run.environment
        let theirs = other.environment
        let fields: [(String, String, String)] = [
            ("revision", mine.gitCommit, theirs.gitCommit),
            ("child CPUs", Self.cpuText(mine), Self.cpuText(theirs)),
            ("profile", run.profile, other.profile),
            (
                "scales", run.scales.map(Format.scale).joined(separator: ","),
                other.scales.map(Format.scale).joined(separator: ",")
            ),
            ("repeats", Self.repeatText(run), Self.repeatText(other)),
            ("warm-ups", String(run.warmups), String(other.warmups)),
            ("sample interval", "\(run.sampleIntervalMs) ms", "\(other.sampleIntervalMs) ms"),
            ("allocator options", mine.mallocConf, theirs.mallocConf),
            ("injected", Self.injectedText(run), Self.injectedText(other)),
        ]
        for (name, a, b) in fields where a != b { return "\(name) \(a) ≠ \(b)" }
        let rows = Self.rows(run)
        let otherRows = Self.rows(other)
        if let row = rows.keys.sorted().first(where: { rows[$0] != otherRows[$0] })
            ?? otherRows.keys.sorted().first(where: { rows[$0] == nil })
        {
            return "row \(row): \(rows[row] ?? "not run") ≠ \(otherRows[row] ?? "not run")"
        }
        return nil
    }

    static func cpuText(_ environment: HostEnvironment) -> String {
        environment.childCPUs.map { "\($0) (\($0.count))" } ?? "all \(environment.cores)"
    }

    static func repeatText(_ document: RunDocument) -> String {
        document.maxRepeats.map { "\(document.repeats)–\($0)" } ?? String(document.repeats)
    }

    static func injectedText(_ document: RunDocument) -> String {
        (document.injected ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key).\($0.value.sorted())" }
            .joined(separator: " ")
    }

    /// Row and scale → its parameters, as text: what a plan ran.
    static func rows(_ document: RunDocument) -> [String: String] {
        var rows: [String: String] = [:]
        for record in document.records {
            rows["\(record.scenario) \(Format.scale(record.scale))"] = record.parameters.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        return rows
    }

    /// The `count` most recent runs in `runsFolder` of the plan, revision and CPU set `anchor`
    /// (a run folder) ran, `anchor` included: what `baseline update --runs N` records. Folders
    /// that hold no finished run, or an interrupted one, are passed over. 66 with one line when
    /// fewer than `count` exist.
    public static func mostRecent(
        _ count: Int, like anchor: String, in runsFolder: String
    ) throws(BenchError) -> BaselineRecording {
        let first = try Source(folder: anchor)
        var found = [first]
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runsFolder)) ?? []).sorted(by: >)
        for name in names where found.count < count && name != first.id {
            let folder = RunFolder(existing: runsFolder + "/" + name)
            guard FileManager.default.fileExists(atPath: folder.documentPath),
                let document = try? folder.load(), !document.interrupted,
                difference(document, from: first.document) == nil
            else { continue }
            found.append(Source(id: name, document: document))
        }
        guard found.count >= count else {
            throw BenchError(
                .noInput,
                "\(found.count) run(s) of \(first.id)'s plan at revision \(first.document.environment.gitCommit) (child CPUs \(cpuText(first.document.environment))) in \(runsFolder), asked for \(count): run the plan \(count - found.count) more time(s) (make baseline runs it \(standardRunCount) times), or pass --runs \(found.count)"
            )
        }
        return try BaselineRecording(found)
    }

    /// The baseline these runs make (format 3: each cell keeps every run's repeats).
    public func baseline() -> Baseline {
        Baseline(
            recordedRuns: sources.map { source in
                (
                    run: Baseline.Run(
                        id: source.id, startedAt: source.document.startedAt, finishedAt: source.document.finishedAt),
                    analysis: RunAnalysis(source.document)
                )
            })
    }

    /// Rows whose growth verdict differed between the runs, one line each ("row: bounded, bounded,
    /// inconclusive"): the baseline records them inconclusive, which the gate does not hold a
    /// check to — said when the baseline is written.
    public static func verdictDisagreements(_ baseline: Baseline) -> [String] {
        var lines: [String] = []
        for entry in baseline.entries {
            guard let verdicts = entry.runVerdicts, Set(verdicts).count > 1 else { continue }
            let line =
                "\(entry.scenario): growth verdicts \(verdicts.map(\.rawValue).joined(separator: ", ")) across the runs"
            if !lines.contains(line) { lines.append(line) }
        }
        return lines
    }
}
