import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `bpbench check`'s steps, in order: the options checked against each other, the thresholds;
/// then either an existing run folder judged (`--run`), or this machine's plan (the baseline's,
/// or a shard of a check's plan) run — interleaved with the base revision's when `--against` has
/// other scenario code — and judged; what grew under a memory finding; `check.json` and
/// `check.md`; `Reports/latest`; the notes, the verdict line and how it ends (``Outcome``).
package struct GateCheck {
    package var settings: CheckSettings

    package init(settings: CheckSettings) {
        self.settings = settings
    }

    /// What a check produced, and where.
    package struct Outcome {
        package var report: GateReport
        package var directory: String
        /// `check.json`: the same judgements as data, with where they were made.
        package var record: CheckRecord

        /// Exit 1 on a regression (its lines were said on stdout), else nothing.
        package var ending: CommandEnding? {
            report.passed ? nil : CommandEnding(code: 1, lines: [])
        }
    }

    /// Runs (or, with `--run`, re-judges) the check, writes `check.json` and `check.md`, and says
    /// the notes and the verdict. `catalog` is asked once `--what-grew-rows` is checked. Throws a
    /// bad option or input before anything runs, and — after everything is written — 65 when no
    /// cell could be judged (`check.md` says why: never a pass).
    package func execute(catalog makeCatalog: () throws(BenchError) -> ScenarioCatalog) throws(BenchError) -> Outcome {
        try settings.checkWhatGrewRows()
        let catalog = try makeCatalog()
        let limits = try GateSession.thresholds(settings.thresholds, project: catalog)
        let outcome: Outcome
        switch try settings.mode() {
        case .judge(let runFolder):
            outcome = try judge(runFolder, catalog: catalog, thresholds: limits)
        case .shard(let planFile):
            let interruption = Interruption()
            let head = try CheckHead(
                shardOf: planFile, sharding: settings.sharding, baseline: settings.baseline, catalog: catalog)
            outcome = try run(head, catalog: catalog, thresholds: limits, interruption: interruption)
        case .baselinePlan:
            let interruption = Interruption()
            let head = try CheckHead(
                baselinePlanOf: catalog, baselinePath: settings.baselinePath, rows: settings.scenarios,
                inject: settings.inject, adaptive: !settings.fixedRepeats, thresholds: limits)
            outcome = try run(head, catalog: catalog, thresholds: limits, interruption: interruption)
        }
        try outcome.record.write(into: outcome.directory)
        try AtomicFile.write(
            outcome.report.markdown(title: "bpbench check against \(outcome.record.baseline)"),
            to: outcome.directory + "/check.md")
        try Self.say(outcome)
        return outcome
    }

    /// The notes on stdout (the unknown-run-spread one also as a warning on stderr); 65 when no
    /// cell could be judged; else the verdict line, and each finding.
    static func say(_ outcome: Outcome) throws(BenchError) {
        let report = outcome.report
        let directory = outcome.directory
        for note in report.consoleNotes { print("note: \(note)") }
        if let note = report.notes.first(where: { $0.hasPrefix(Gate.unknownRunSpreadNote) }) {
            FileHandle.standardError.write(Data("bpbench: warning: \(note)\n".utf8))
        }
        if let notComparable = report.notComparable {
            // check.md and check.json say so too; the line is the verdict file's reason.
            throw BenchError(.data, "not comparable: \(notComparable) (\(directory)/check.md)")
        }
        if report.passed {
            if let sameCode = report.sameCodeBase {
                print(
                    "check passed: no regression (statuses of \(sameCode.rowsJudged) baseline (row, scale) pairs and their growth verdicts judged, \(report.judgedCells) cells; \(sameCode.figureCells) figure cells not judged: same scenario code as base \(sameCode.base); \(directory)/check.md)"
                )
            } else {
                print("check passed: no regression (\(report.judgedCells) cells judged; \(directory)/check.md)")
            }
            return
        }
        print("check FAILED: \(report.findings.count) regression(s) (\(directory)/check.md)")
        for finding in report.findings { print("  - \(finding)") }
    }

    /// `--run DIR`: the folder's head (and `base/`, when it holds one) judged against the
    /// baseline; what grew profiled with the binaries each side recorded.
    func judge(_ runFolder: String, catalog: ScenarioCatalog, thresholds: Thresholds) throws(BenchError) -> Outcome {
        let baselinePath = settings.baselinePath
        let loaded = try Baseline.load(baselinePath)
        let baselineFile = settings.scenarios.isEmpty ? loaded : try loaded.restricted(toRows: settings.scenarios)
        let directory = try RunFolder.Reports.runDirectory(runFolder, projectRoot: { catalog.projectRoot })
        let document = try RunFolder(existing: directory).load()
        if let difference = baselineFile.incomparability(document) {
            throw BenchError(.data, "not comparable with \(baselinePath): \(difference)")
        }
        let reference = baselineFile.reference
        let baseFolder = RunFolder(existing: directory).base
        let base = baseFolder.holdsRun ? RunAnalysis(try baseFolder.load(), reference: reference) : nil
        var gate = Gate(baseline: baselineFile, thresholds: thresholds, maximumRepeats: document.maxRepeats)
        // A folder whose check ran no base side because the base had this tree's scenario
        // code is judged so again: judging its figures against the baseline now would be
        // the cross-machine comparison that check did not make. (Unreadable: judged as
        // any folder without base/; its check.json is rewritten below.)
        if base == nil { gate.sameCodeBase = (try? CheckRecord.load(from: directory))??.sameCodeBase?.base }
        var report = gate.evaluate(head: RunAnalysis(document, reference: reference), base: base)
        // The base side's binaries: those its check recorded, else (a folder made
        // another way) this tree's, said in a note.
        var baseSide: WhatGrewProfiler.Side?
        if let base {
            let build = WhatGrewBaseBuild.load(from: baseFolder.path)
            baseSide = .init(catalog: build?.catalog(like: catalog) ?? catalog, document: base.document)
            if build == nil, !settings.noWhatGrew, report.findings.contains(where: WhatGrewProfiler.isMemoryFinding) {
                report.notes.append(
                    "what grew: the base side is profiled with this tree's binaries — \(baseFolder.path) does not record the base revision's build (a check run with --against does)"
                )
            }
        }
        whatGrew(
            &report, head: .init(catalog: catalog, document: document), base: baseSide, directory: directory,
            cpus: try settings.childCPUs(repeating: document.environment.childCPUs), interruption: nil)
        report.notComparable = report.nothingJudged(in: document)
        let record = CheckRecord(
            report: report, baseline: baselinePath, baselineDigest: PlanFile.contentDigest(ofFile: baselinePath),
            thresholds: thresholds,
            revision: document.environment.gitCommit, planID: nil, shard: nil,
            environment: document.environment,
            rows: CheckHead.rows(of: baselineFile))
        return Outcome(report: report, directory: directory, record: record)
    }

    /// `head` run on this tree — interleaved with the base revision's plan when `--against` names
    /// one with other scenario code — into a new run folder (stamped first when it is a shard),
    /// judged, what grew profiled, `Reports/latest` pointed at it.
    func run(
        _ head: CheckHead, catalog: ScenarioCatalog, thresholds: Thresholds, interruption: Interruption
    ) throws(BenchError) -> Outcome {
        var head = head
        try head.limits.pinChildren(to: settings.cpus)
        interruption.install()
        var session = GateSession(
            project: catalog, baseline: head.baseline, thresholds: thresholds, interruption: interruption,
            quiet: settings.quiet, adaptive: head.plan.repeatPolicy.isAdaptive)
        session.cpus = head.limits.cpus
        // Comparability was checked where the plan was made (CheckHead); a shard's plan and
        // baseline are that plan's and baseline, by digest and revision.
        var notes: [String] = []
        let base = baseSide(head, session: &session, notes: &notes)
        let reports = RunFolder.Reports(projectRoot: catalog.projectRoot)
        let folder = try RunFolder.create(out: settings.out, in: reports)
        let directory = folder.path
        if let shard = head.shard {
            try ShardStamp.write(shard, into: directory)
            if !settings.quiet {
                print(
                    "check shard \(shard.spec) of plan \(shard.file.planID): rows \(head.rows.map(\.description).joined(separator: ", "))"
                )
            }
        }
        var result = try session.run(
            head: head.plan, headEntries: head.entries, base: base, injected: head.injected, directory: directory)
        result.report.notes = notes + result.report.notes
        if interruption.isInterrupted {
            throw BenchError(.interrupted, "interrupted; the finished repeats were written to \(directory)")
        }
        if let base, result.base != nil {
            // So that `check --run` on this folder profiles the base side with its own binaries.
            try WhatGrewBaseBuild(base.catalog).write(into: RunFolder(existing: directory).base.path)
        }
        whatGrew(
            &result.report, head: .init(catalog: catalog, document: result.head.document),
            base: base.flatMap { base in result.base.map { .init(catalog: base.catalog, document: $0.document) } },
            directory: directory, cpus: head.limits.cpus, interruption: interruption)
        result.report.notComparable = result.report.nothingJudged(in: result.head.document)
        // Reports/latest only ever leads to a folder inside Reports/ (as run's does).
        try folder.pointLatest(reports)
        let environment = result.head.document.environment
        let record = CheckRecord(
            report: result.report, baseline: head.baselinePath,
            baselineDigest: PlanFile.contentDigest(ofFile: head.baselinePath), thresholds: thresholds,
            revision: head.shard?.file.revision ?? environment.gitCommit, planID: head.shard?.file.planID,
            shard: head.shard?.spec,
            environment: environment, rows: head.rows)
        return Outcome(report: result.report, directory: directory, record: record)
    }

    /// `--against REV`: the base revision exported and built, its plan made comparable with
    /// `head`'s — nil when none runs (no `--against`, skipped with a note, the same scenario code
    /// as this tree's, or scenarios this bpbench cannot plan).
    func baseSide(
        _ head: CheckHead, session: inout GateSession, notes: inout [String]
    ) -> (catalog: ScenarioCatalog, plan: RunPlan, entries: [ScenarioCatalog.Entry])? {
        guard let against = settings.against else { return nil }
        let quiet = settings.quiet
        switch BaseRevision.prepare(against, project: session.project, log: { if !quiet { print($0) } }) {
        case .skipped(let reason):
            notes.append(reason)
        case .sameScenarioCode(let commit):
            // Nothing to run on a base side: the gate's note says what was not judged.
            session.sameCodeBase = "\(against) (\(commit))"
            if !quiet {
                print(
                    "base \(against) (\(commit)) has this tree's scenario code: no base side runs, the head's plan alone"
                )
            }
        case .catalog(let baseCatalog, _, let note):
            notes.append(note)
            do {
                let baseEntries = try session.entries(in: baseCatalog)
                if let other = baseEntries.first(where: {
                    ($0.description.protocolVersion ?? 1) != ResultProtocol.version
                }) {
                    // Its children would not understand this harness (or it them): a
                    // comparison would measure the mismatch, not the code.
                    throw BenchError(
                        .data,
                        "its \(other.name) speaks result protocol v\(other.description.protocolVersion ?? 1), this bpbench v\(ResultProtocol.version)"
                    )
                }
                var basePlan = try session.plan(baseEntries, overrides: [])
                if let selectedRows = head.selectedRows {
                    basePlan.steps = basePlan.steps.filter { selectedRows.contains($0.row) }
                }
                basePlan.steps = Self.comparableSteps(
                    basePlan.steps, with: head.plan.steps, injected: head.injected ?? [:], notes: &notes)
                return (baseCatalog, basePlan, baseEntries)
            } catch {
                notes.append("A/B skipped: the base revision's scenarios cannot be planned by this bpbench: \(error)")
            }
        }
        return nil
    }

    /// On memory findings, unless `--no-what-grew`: one heap-profiled repeat of each side per
    /// regressed (row, scale), at most `--what-grew-rows`, and the stacks that grew into
    /// `report.whatGrew` (never into its verdict). Nothing runs without a memory finding. The
    /// profiled children run on `cpus`, the set the check's own children ran on.
    func whatGrew(
        _ report: inout GateReport, head: WhatGrewProfiler.Side, base: WhatGrewProfiler.Side?, directory: String,
        cpus: ChildCPUs?, interruption: Interruption?
    ) {
        guard !settings.noWhatGrew, report.findings.contains(where: WhatGrewProfiler.isMemoryFinding) else { return }
        if !settings.quiet { print("what grew: heap-profiling the regressed memory rows (one repeat a side)…") }
        let started = Date()
        var profiler = WhatGrewProfiler(
            head: head, base: base, directory: directory,
            cacheDirectory: RunFolder.Reports(projectRoot: head.catalog.projectRoot).cache, interruption: interruption)
        profiler.maximumRows = settings.whatGrewRows
        profiler.cpus = cpus
        if base == nil, let sameCode = report.sameCodeBase {
            // --against was given: the diff is missing because both sides would be this build.
            profiler.baseAbsence =
                "base \(sameCode.base) has this tree's scenario code: no base side ran, nothing to diff against"
        }
        report.whatGrew = profiler.investigate(report)
        if !settings.quiet {
            let profiled = report.whatGrew.filter { $0.outcome != .notProfiled }.count
            print(
                String(
                    format: "what grew: %d of %d regressed (row, scale) profiled in %.1f s", profiled,
                    report.whatGrew.count, Date().timeIntervalSince(started)))
        }
    }

    /// Base steps whose parameters equal the head's (injected keys aside): a changed parameter is a
    /// changed benchmark, not a changed code path, so that scenario is not compared side by side.
    static func comparableSteps(
        _ baseSteps: [RunPlan.Step], with headSteps: [RunPlan.Step], injected: [String: [String]], notes: inout [String]
    ) -> [RunPlan.Step] {
        var refused: Set<String> = []
        for step in baseSteps where step.repeatIndex == 1 {
            guard
                let head = headSteps.first(where: {
                    $0.entry.name == step.entry.name && $0.scale == step.scale && $0.repeatIndex == 1
                })
            else { continue }
            let declared = Set(injected[step.entry.name] ?? [])
            let mine = Dictionary(head.parameters, uniquingKeysWith: { $1 }).filter { !declared.contains($0.key) }
            let theirs = Dictionary(step.parameters, uniquingKeysWith: { $1 }).filter { !declared.contains($0.key) }
            if mine != theirs, !refused.contains(step.entry.name) {
                refused.insert(step.entry.name)
                let key = Set(mine.keys).union(theirs.keys).sorted().first { mine[$0] != theirs[$0] } ?? "?"
                notes.append(
                    "\(step.entry.name): not compared with the base revision — its parameter \(key) is \(theirs[key] ?? "(none)") there, \(mine[key] ?? "(none)") here"
                )
            }
        }
        return baseSteps.filter { !refused.contains($0.entry.name) }
    }
}
