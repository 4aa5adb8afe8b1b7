import ArgumentParser
import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSession
import BenchSystem
import Foundation

/// `bpbench check`: the CI gate.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the baseline's plan (or judge --run DIR) and exit 1 on a regression.",
        discussion: """
            With a base revision built and run in this job, interleaved (--against REV), every figure is \
            judged against it; the committed baseline judges status and growth verdict and reports drift. \
            When REV's scenario code is this tree's, no base side runs: status and growth verdict are judged \
            against the baseline and the figures not at all (identical binaries cannot regress; a note counts them). \
            Without one, machine-stable figures (peak allocated, gauge maxima) are judged against the \
            baseline and machine-bound ones (throughput, latency, CPU, peak RSS) are not judged. A regression \
            must be significant (one-sided Mann–Whitney U, p below the same-job or baseline alpha) and larger \
            than the metric's minEffect (or 3 × the cell's own noise).
            Writes check.md and check.json (the same judgements as data) into the run folder. A memory \
            finding of a Swift row is followed by one heap-profiled repeat per side, and check.md names \
            the allocation stacks that grew (--no-what-grew, --what-grew-rows). Sharded: \
            bpbench plan --check … --out P, then on each machine bpbench check --plan P --shard I/N (or --shards N \
            with the index from the environment), then bpbench merge SHARD… --out DIR for one verdict.
            Exit codes: 0 pass; 1 regression (one line each); 64 usage; 65 not comparable with the \
            baseline, no cell could be judged (check.md says why), a plan of another revision or baseline, or a \
            corrupt baseline or thresholds file; 66 missing baseline or run; 130 interrupted.
            """)

    @OptionGroup var project: ProjectOptions

    @Option(help: "The baseline file (default: Reports/baseline.json; with --plan, the one the plan was made from).")
    var baseline: String?

    @Option(
        name: .customLong("run"),
        help: "Judge this existing run folder instead of running the plan (no same-job A/B unless it holds base/).")
    var runFolder: String?

    @Option(
        help: "A revision (e.g. HEAD~1) to build and run interleaved with this tree, for the machine-bound metrics.")
    var against: String?

    @Option(
        help:
            "NAME.key=value: run this tree with a changed parameter, declared as standing for a code change (to test the gate; repeatable)."
    )
    var inject: [String] = []

    @Option(help: "A thresholds file (default: Reports/thresholds.json if present, else built-in defaults).")
    var thresholds: String?

    @Option(help: "The run folder to write (default: Reports/runs/<timestamp>).")
    var out: String?

    @Flag(
        help:
            "Run every row to the most the adaptive rule can reach (11 a side at the committed thresholds: the growth verdict's run-on; the cells alone stop at 7), so every claim is judged at one n fixed in advance, instead of stopping a row once the gate's answer for it cannot change."
    )
    var fixedRepeats = false

    @Option(
        name: .customLong("scenario"),
        help: "Judge only these rows of the baseline: NAME, NAME/VARIANT or NAME/* (repeatable; default: all).")
    var scenarios: [String] = []

    @OptionGroup var sharding: ShardOptions

    @OptionGroup var pinning: CPUOptions

    @Flag(help: "No heap-profiled repeats for memory findings (what grew; see --what-grew-rows).")
    var noWhatGrew = false

    @Option(
        help:
            "On a memory finding, profile at most this many regressed (row, scale) pairs: one heap-profiled repeat of head and base each, the stacks that grew in check.md."
    )
    var whatGrewRows = WhatGrewProfiler.defaultMaximumRows

    @Flag(help: "No progress lines.")
    var quiet = false

    static let defaultBaseline = "Reports/baseline.json"

    func run() throws {
        let outcome = try reportingErrors { () throws(BenchError) -> Outcome in
            guard whatGrewRows >= 1 else {
                throw BenchError(
                    .usage,
                    "--what-grew-rows takes a count ≥ 1, got \(whatGrewRows) (--no-what-grew turns the profiled repeats off)"
                )
            }
            let catalog = try project.catalog()
            let limits = try GateSession.thresholds(thresholds, project: catalog)
            if let runFolder {
                guard inject.isEmpty, against == nil, sharding.planFile == nil, !sharding.cutsAPlan else {
                    throw BenchError(
                        .usage, "--run judges an existing run; --inject, --against, --plan and --shard run a new one")
                }
                let baselinePath = baseline ?? Self.defaultBaseline
                let loaded = try Baseline.load(baselinePath)
                let baselineFile = scenarios.isEmpty ? loaded : try loaded.restricted(toRows: scenarios)
                let directory = try resolveRunDirectory(runFolder, project: project)
                let document = try RunFolder(existing: directory).load()
                if let difference = baselineFile.incomparability(document) {
                    throw BenchError(.data, "not comparable with \(baselinePath): \(difference)")
                }
                let reference = baselineFile.reference
                let baseFolder = RunFolder(existing: directory).base
                let base = baseFolder.holdsRun ? RunAnalysis(try baseFolder.load(), reference: reference) : nil
                var gate = Gate(baseline: baselineFile, thresholds: limits, maximumRepeats: document.maxRepeats)
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
                    if build == nil, !noWhatGrew, report.findings.contains(where: WhatGrewProfiler.isMemoryFinding) {
                        report.notes.append(
                            "what grew: the base side is profiled with this tree's binaries — \(baseFolder.path) does not record the base revision's build (a check run with --against does)"
                        )
                    }
                }
                whatGrew(
                    &report, head: .init(catalog: catalog, document: document), base: baseSide, directory: directory,
                    cpus: try pinning.resolve(repeating: document.environment.childCPUs), interruption: nil)
                report.notComparable = report.nothingJudged(rowsRun: Self.rowsRun(document))
                let record = CheckRecord(
                    report: report, baseline: baselinePath, baselineDigest: Self.digest(ofFile: baselinePath),
                    thresholds: limits,
                    revision: document.environment.gitCommit, planID: nil, shard: nil,
                    environment: document.environment,
                    rows: Self.rows(of: baselineFile))
                return Outcome(report: report, directory: directory, record: record)
            }
            let interruption = Interruption()
            var head: Head
            if let planFile = sharding.planFile {
                head = try shardHead(catalog, path: planFile)
            } else {
                if sharding.cutsAPlan {
                    throw BenchError(
                        .usage,
                        "--shard, --shards and --shard-from-env cut a check's plan: make one with bpbench plan --check … --out FILE, then check --plan FILE"
                    )
                }
                head = try Self.gatePlan(
                    catalog, baselinePath: baseline ?? Self.defaultBaseline, rows: scenarios, inject: inject,
                    adaptive: !fixedRepeats,
                    thresholds: limits)
            }
            try pinning.apply(to: &head.limits)
            interruption.install()
            var session = GateSession(
                project: catalog, baseline: head.baseline, thresholds: limits, interruption: interruption, quiet: quiet,
                adaptive: head.plan.repeatPolicy.isAdaptive)
            session.cpus = head.limits.cpus
            // Comparability was checked where the plan was made (gatePlan); a shard's plan and
            // baseline are that plan's and baseline, by digest and revision.
            let plan = head.plan
            let injected = head.injected
            var notes: [String] = []
            var base: (catalog: ScenarioCatalog, plan: RunPlan, entries: [ScenarioCatalog.Entry])?
            if let against {
                switch BaseRevision.prepare(against, project: catalog, log: { if !quiet { print($0) } }) {
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
                            basePlan.steps, with: plan.steps, injected: injected ?? [:], notes: &notes)
                        base = (baseCatalog, basePlan, baseEntries)
                    } catch {
                        notes.append(
                            "A/B skipped: the base revision's scenarios cannot be planned by this bpbench: \(error)")
                    }
                }
            }
            let reports = RunFolder.Reports(projectRoot: catalog.projectRoot)
            let folder = try RunFolder.create(out: out, in: reports)
            let directory = folder.path
            if let shard = head.shard {
                // Before any child: a shard whose harness dies is still identifiable to merge.
                try ShardStamp(plan: shard.file, shard: shard.spec, hostname: ProcessInfo.processInfo.hostName).write(
                    plan: shard.file, into: directory)
                if !quiet {
                    print(
                        "check shard \(shard.spec) of plan \(shard.file.planID): rows \(head.rows.map(\.description).joined(separator: ", "))"
                    )
                }
            }
            var result = try session.run(
                head: plan, headEntries: head.entries, base: base, injected: injected, directory: directory)
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
            result.report.notComparable = result.report.nothingJudged(rowsRun: Self.rowsRun(result.head.document))
            // Reports/latest only ever leads to a folder inside Reports/ (as run's does).
            try folder.pointLatest(reports)
            let environment = result.head.document.environment
            let record = CheckRecord(
                report: result.report, baseline: head.baselinePath,
                baselineDigest: Self.digest(ofFile: head.baselinePath), thresholds: limits,
                revision: head.shard?.file.revision ?? environment.gitCommit, planID: head.shard?.file.planID,
                shard: head.shard?.spec,
                environment: environment, rows: head.rows)
            return Outcome(report: result.report, directory: directory, record: record)
        }
        let report = outcome.report
        let directory = outcome.directory
        try reportingErrors {
            try outcome.record.write(into: directory)
            try AtomicFile.write(
                report.markdown(title: "bpbench check against \(outcome.record.baseline)"), to: directory + "/check.md")
        }
        for note in report.consoleNotes { print("note: \(note)") }
        if let note = report.notes.first(where: { $0.hasPrefix(Gate.unknownRunSpreadNote) }) {
            FileHandle.standardError.write(Data("bpbench: warning: \(note)\n".utf8))
        }
        if let notComparable = report.notComparable {
            // check.md and check.json say so too; the line is the verdict file's reason.
            try reportingErrors { () throws -> Void in
                throw BenchError(.data, "not comparable: \(notComparable) (\(directory)/check.md)")
            }
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
        throw ExitCode(1)
    }

    /// On memory findings, unless `--no-what-grew`: one heap-profiled repeat of each side per
    /// regressed (row, scale), at most `--what-grew-rows`, and the stacks that grew into
    /// `report.whatGrew` (never into its verdict). Nothing runs without a memory finding. The
    /// profiled children run on `cpus`, the set the check's own children ran on.
    func whatGrew(
        _ report: inout GateReport, head: WhatGrewProfiler.Side, base: WhatGrewProfiler.Side?, directory: String,
        cpus: ChildCPUs?, interruption: Interruption?
    ) {
        guard !noWhatGrew, report.findings.contains(where: WhatGrewProfiler.isMemoryFinding) else { return }
        if !quiet { print("what grew: heap-profiling the regressed memory rows (one repeat a side)…") }
        let started = Date()
        var profiler = WhatGrewProfiler(
            head: head, base: base, directory: directory,
            cacheDirectory: RunFolder.Reports(projectRoot: head.catalog.projectRoot).cache, interruption: interruption)
        profiler.maximumRows = whatGrewRows
        profiler.cpus = cpus
        if base == nil, let sameCode = report.sameCodeBase {
            // --against was given: the diff is missing because both sides would be this build.
            profiler.baseAbsence =
                "base \(sameCode.base) has this tree's scenario code: no base side ran, nothing to diff against"
        }
        report.whatGrew = profiler.investigate(report)
        if !quiet {
            let profiled = report.whatGrew.filter { $0.outcome != .notProfiled }.count
            print(
                String(
                    format: "what grew: %d of %d regressed (row, scale) profiled in %.1f s", profiled,
                    report.whatGrew.count, Date().timeIntervalSince(started)))
        }
    }

    /// What a check produced, and where.
    struct Outcome {
        var report: GateReport
        var directory: String
        /// `check.json`: the same judgements as data, with where they were made.
        var record: CheckRecord
    }

    /// What this machine's check runs and judges: the baseline's plan (or a shard of a check's
    /// plan), the baseline restricted to the rows it judges.
    struct Head {
        var baselinePath: String
        var baseline: Baseline
        var entries: [ScenarioCatalog.Entry]
        var plan: RunPlan
        var injected: [String: [String]]?
        /// The rows the base revision runs too (nil: all of the baseline's).
        var selectedRows: Set<RowID>?
        /// The baseline rows judged here.
        var rows: [RowID]
        /// The children's limits (the baseline's sampling interval).
        var limits: ChildLimits
        var shard: (file: PlanFile, spec: ShardSpec)?
    }

    /// The baseline's plan over the rows `rows` selects (all when empty), with `inject`'s
    /// declared changes: what an unsharded check runs, and what `bpbench plan --check` writes.
    /// A plan the baseline cannot judge (another profile, scales or parameters) is refused, 65,
    /// before anything runs.
    /// The thresholds set the most repeats a side may get (``GateRepeatRule/maximumRepeats(baselineRepeats:thresholds:)``).
    static func gatePlan(
        _ catalog: ScenarioCatalog, baselinePath: String, rows: [String], inject: [String], adaptive: Bool,
        thresholds: Thresholds
    ) throws(BenchError) -> Head {
        let loaded = try Baseline.load(baselinePath)
        let baselineFile = rows.isEmpty ? loaded : try loaded.restricted(toRows: rows)
        let session = GateSession(
            project: catalog, baseline: baselineFile, thresholds: thresholds, interruption: Interruption(), quiet: true,
            adaptive: adaptive)
        // With --scenario, the selected rows only (a selected base row leaves its variants out,
        // and no scenario the baseline lacks is added).
        let selectedRows = rows.isEmpty ? nil : Set(baselineFile.entries.map(\.scenario))
        let entries = try session.entries(
            in: catalog, only: selectedRows.map { Set($0.map(\.scenario)).sorted() })
        let (overrides, injected) = try GateSession.injections(inject, entries: entries)
        var plan = try session.plan(entries, overrides: overrides)
        if let selectedRows { plan.steps = plan.steps.filter { selectedRows.contains($0.row) } }
        if let difference = session.incomparability(of: plan, injected: injected) {
            throw BenchError(
                .data, "not comparable with \(baselinePath): \(difference) (make baseline records a new one)")
        }
        // The baseline's rows, then the rows it lacks that the plan runs (judged same-job only).
        var judged = Self.rows(of: baselineFile)
        for step in plan.steps where !judged.contains(step.row) { judged.append(step.row) }
        return Head(
            baselinePath: baselinePath, baseline: baselineFile, entries: entries, plan: plan, injected: injected,
            selectedRows: selectedRows,
            rows: judged, limits: session.limits)
    }

    /// `--plan FILE`: this machine's shard of a check's plan — its rows' steps as the plan has
    /// them, judged against the plan's baseline restricted to those rows. What shapes the plan
    /// is refused here: it was fixed when the plan was made.
    func shardHead(
        _ catalog: ScenarioCatalog, path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(BenchError) -> Head {
        for (option, given) in [
            ("--scenario", !scenarios.isEmpty), ("--inject", !inject.isEmpty), ("--fixed-repeats", fixedRepeats),
        ] where given {
            throw BenchError(
                .usage,
                "--plan fixes what the check judges; \(option) belongs on bpbench plan --check when the plan is made")
        }
        let file = try PlanFile.load(path)
        guard let check = file.check else {
            throw BenchError(
                .usage,
                "\(path) is a benchmark plan (run its shards with bpbench run --plan); a check's plan is made with bpbench plan --check"
            )
        }
        try file.checkRevision(
            PlanFile.currentRevision(projectRoot: catalog.projectRoot, environment: environment), path: path)
        let spec = try sharding.spec(environment: environment)
        let baselinePath = baseline ?? check.baseline
        var restricted = try Baseline.load(baselinePath)
        guard Self.digest(ofFile: baselinePath) == check.baselineDigest else {
            throw BenchError(
                .data,
                "\(baselinePath) is not the baseline plan \(file.planID) was made from (\(check.baseline), digest \(check.baselineDigest)); judge every shard against the plan's baseline"
            )
        }
        let rows = ShardSlicer.checkRows(of: file, shard: spec)
        restricted.entries = restricted.entries.filter { rows.contains($0.scenario) }
        // Named scenarios include the hidden fixtures: the plan already chose them.
        let entries = try catalog.select(file.scenarioNames, includeFixtures: true).entries
        let plan = try file.runPlan(ShardSlicer.steps(of: file, shard: spec), entries: entries)
        return Head(
            baselinePath: baselinePath, baseline: restricted, entries: entries, plan: plan, injected: check.injected,
            selectedRows: Set(rows),
            rows: rows, limits: file.limits.childLimits, shard: (file, spec))
    }

    /// How many rows (`row ×scale`) a run recorded: what a check had to judge.
    static func rowsRun(_ document: RunDocument) -> Int {
        Set(document.records.map { "\($0.scenario) \($0.scale)" }).count
    }

    /// The baseline's rows in its order, each once.
    static func rows(of baseline: Baseline) -> [RowID] {
        baseline.entries.reduce(into: [RowID]()) { rows, entry in
            if !rows.contains(entry.scenario) { rows.append(entry.scenario) }
        }
    }

    /// ``PlanFile/contentDigest(_:)`` of a file's bytes (empty when unreadable; the baseline was
    /// read just before).
    static func digest(ofFile path: String) -> String {
        PlanFile.contentDigest(FileManager.default.contents(atPath: path) ?? Data())
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
