import BenchCore
import BenchGate
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// Runs `check`'s what-grew repeats (``WhatGrew``): for each memory finding's row and scale (at
/// most ``maximumRows`` of them), one heap-profiled repeat of the base revision and one of the
/// head, with the recorded repeats' parameters, then the difference of their peak heaps by stack.
/// Bounded: one repeat a side per (row, scale), whatever the number of memory findings on it.
public struct WhatGrewProfiler {
    /// One side: the catalog whose binaries it runs and the run it made for the gate.
    public struct Side {
        public var catalog: ScenarioCatalog
        public var document: RunDocument

        public init(catalog: ScenarioCatalog, document: RunDocument) {
            self.catalog = catalog
            self.document = document
        }
    }

    public var head: Side
    /// The base revision's side; nil profiles the head alone.
    public var base: Side?
    /// Why there is no base side (said in `check.md`).
    public var baseAbsence = "no base revision ran in this job; the diff needs check --against REV"
    /// The check folder: profiles go under `what-grew/`, flame graphs beside `check.md`.
    public var directory: String
    public var cacheDirectory: String
    public var interruption: Interruption?
    /// The most (row, scale) pairs profiled in one check.
    public var maximumRows = Self.defaultMaximumRows
    public var sampleLg = WhatGrew.sampleLg
    /// The CPUs the profiled children are pinned to: the check's (`check --cpus`, recorded in its
    /// run.json as `childCPUs`), so a profiled repeat has the parallelism — NIO event loops,
    /// threads, their heaps — of the repeats whose finding it explains.
    public var cpus: ChildCPUs? = .standard()

    /// Two pairs: each costs two child runs and four `jeprof` calls (~4 s each on a 38 MB release
    /// binary here), on a check that is already failing.
    public static let defaultMaximumRows = 2

    public init(head: Side, base: Side?, directory: String, cacheDirectory: String, interruption: Interruption?) {
        self.head = head
        self.base = base
        self.directory = directory
        self.cacheDirectory = cacheDirectory
        self.interruption = interruption
    }

    /// Whether a finding is on a memory cell: a heap, RSS or byte-gauge maximum, or the growth
    /// verdict (a leak's first symptom).
    public static func isMemoryFinding(_ finding: Finding) -> Bool {
        finding.metric == "memory_verdict"
            || (Metric.named(finding.metric).map { $0.isMemory && !$0.key.hasPrefix("io_") } ?? false)
    }

    /// The (row, scale) pairs the findings ask to profile, in the findings' order, with the
    /// metrics each stands under. A growth verdict is profiled at the row's largest scale, where
    /// growth shows most.
    public static func targets(
        _ findings: [Finding], head: RunDocument
    ) -> [(row: RowID, scale: Double, metrics: [String])] {
        var targets: [(row: RowID, scale: Double, metrics: [String])] = []
        for finding in findings where isMemoryFinding(finding) {
            let scale =
                finding.metric == "memory_verdict"
                ? head.records.filter { $0.scenario == finding.scenario }.map(\.scale).max() ?? finding.scale
                : finding.scale
            if let index = targets.firstIndex(where: { $0.row == finding.scenario && $0.scale == scale }) {
                targets[index].metrics.append(finding.metric)
            } else {
                targets.append((finding.scenario, scale, [finding.metric]))
            }
        }
        return targets
    }

    /// Profiles the memory findings of `report` (nothing runs when there are none).
    public func investigate(_ report: GateReport) -> [WhatGrew] {
        let targets = Self.targets(report.findings, head: head.document)
        return targets.enumerated().map { index, target in
            guard index < maximumRows else {
                return WhatGrew(
                    row: target.row, scale: target.scale, metrics: target.metrics, outcome: .notProfiled,
                    problem: "only the first \(maximumRows) regressed rows are profiled (check --what-grew-rows N)",
                    sampleLg: sampleLg)
            }
            guard ExternalCommand.resolve("jeprof", in: "/") != nil else {
                // Before any child: a profile nothing can read is not worth a run.
                return WhatGrew(
                    row: target.row, scale: target.scale, metrics: target.metrics, outcome: .notProfiled,
                    problem: "jeprof is not installed (Debian: libjemalloc-dev)", sampleLg: sampleLg)
            }
            guard interruption?.isInterrupted != true else {
                return WhatGrew(
                    row: target.row, scale: target.scale, metrics: target.metrics, outcome: .notProfiled,
                    problem: "interrupted", sampleLg: sampleLg)
            }
            let started = Date()
            var result = profile(row: target.row, scale: target.scale, metrics: target.metrics)
            result.seconds = Date().timeIntervalSince(started)
            return result
        }
    }

    func profile(row: RowID, scale: Double, metrics: [String]) -> WhatGrew {
        var whatGrew = WhatGrew(row: row, scale: scale, metrics: metrics, outcome: .notProfiled, sampleLg: sampleLg)
        whatGrew.cpus = cpus
        let headDump: Dumped
        switch profiledRepeat(of: head, side: "head", row: row, scale: scale) {
        case .failure(let error):
            whatGrew.problem = error.message
            return whatGrew
        case .success(let dumped): headDump = dumped
        }
        var absence = baseAbsence
        var baseDump: Dumped?
        if let base {
            switch profiledRepeat(of: base, side: "base", row: row, scale: scale) {
            case .failure(let error): absence = "the base side was not profiled: " + error.message
            case .success(let dumped): baseDump = dumped
            }
        }
        // After both children ended, the two sides' jeprof side by side: symbolizing is most of
        // the cost (4.3 s a call on a 38 MB release scenario binary here), the children < 1 s.
        let symbolized = Self.symbolize([headDump] + (baseDump.map { [$0] } ?? []), relativeTo: directory)
        let headProfile: PeakAttribution
        switch symbolized[0] {
        case .failure(let error):
            whatGrew.problem = error.message
            return whatGrew
        case .success(let attribution): headProfile = attribution
        }
        whatGrew.headProfile = headProfile.profile
        whatGrew.headTotalBytes = headProfile.totalBytes
        var baseProfile: PeakAttribution?
        if symbolized.count > 1 {
            switch symbolized[1] {
            case .failure(let error): absence = "the base side was not profiled: " + error.message
            case .success(let attribution): baseProfile = attribution
            }
        }
        let stacks: [PeakAttribution.Stack]
        if let baseProfile {
            whatGrew.outcome = .diffed
            whatGrew.baseProfile = baseProfile.profile
            whatGrew.baseTotalBytes = baseProfile.totalBytes
            whatGrew.grew = WhatGrew.growth(
                head: headProfile.stacks, base: baseProfile.stacks, floor: whatGrew.noiseBytes, period: 1 << sampleLg)
            stacks = WhatGrew.grownStacks(head: headProfile.stacks, base: baseProfile.stacks)
        } else {
            whatGrew.outcome = .headOnly
            whatGrew.problem = absence
            whatGrew.grew = WhatGrew.growth(head: headProfile.stacks, base: nil, floor: whatGrew.noiseBytes)
            stacks = headProfile.stacks
        }
        let name =
            "what-grew-" + row.description.replacingOccurrences(of: "/", with: "-") + "-x" + Self.scaleLabel(scale)
            + ".svg"
        let label = "\(row) \(Format.scale(scale))"
        let svg =
            baseProfile == nil
            ? FlameGraphExporter.svg(
                stacks: stacks, title: "\(label): the head's heap at its peak (no base profile to diff)",
                legend:
                    "width = bytes held at the peak under the frame; allocating calls on top (one profiled repeat, jemalloc heap profile, jeprof)"
            )
            : FlameGraphExporter.svg(
                stacks: stacks,
                title:
                    "\(label): what grew, head − base — \(Format.bytes(Double(stacks.reduce(0) { $0 + $1.bytes }))) in stacks that grew",
                legend:
                    "width = bytes a stack holds at the peak more on the head than on the base (positive growth only); allocating calls on top"
            )
        do {
            try AtomicFile.write(svg, to: directory + "/" + name)
            whatGrew.flameGraph = name
        } catch {
            whatGrew.problem = [whatGrew.problem, "flame graph not written: \(error)"].compactMap { $0 }.joined(
                separator: "; ")
        }
        return whatGrew
    }

    /// A profiled repeat that ran and left its peak's heap profile: what symbolizing it needs.
    struct Dumped: Sendable {
        var heap: String
        var executable: String
        var row: RowID
        var scale: Double
        var profiledAllocatedBytes: Int?
        var peakAllocatedBytes: Int
    }

    /// `jeprof` and demangling of each profile, all at once (one thread each).
    static func symbolize(
        _ dumps: [Dumped], relativeTo directory: String
    ) -> [Result<PeakAttribution, AttributionError>] {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int: Result<PeakAttribution, AttributionError>] = [:]
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: dumps.count) { index in
            let dumped = dumps[index]
            let result = PeakAttribution.analyze(
                profile: dumped.heap, executable: dumped.executable, row: dumped.row, scale: dumped.scale,
                repeatIndex: 1,
                relativeTo: directory, profiledAllocatedBytes: dumped.profiledAllocatedBytes,
                peakAllocatedBytes: dumped.peakAllocatedBytes)
            results.lock.lock()
            results.values[index] = result
            results.lock.unlock()
        }
        return dumps.indices.map { results.values[$0] ?? .failure(AttributionError(message: "not symbolized")) }
    }

    /// One heap-profiled repeat of `row` at `scale` on `side`, with the parameters its recorded
    /// repeats ran with; its profile is symbolized by ``symbolize(_:relativeTo:)``.
    func profiledRepeat(
        of side: Side, side name: String, row: RowID, scale: Double
    ) -> Result<Dumped, AttributionError> {
        let records = side.document.records.filter { $0.scenario == row && $0.scale == scale }
        guard let recorded = records.first(where: { $0.status == .ok }) ?? records.first else {
            return .failure(
                AttributionError(message: "the \(name) side has no recorded repeat of \(row) \(Format.scale(scale))"))
        }
        guard row.allocator == .jemalloc else {
            return .failure(
                AttributionError(
                    message:
                        "\(row) runs on the system allocator; heap profiles need the jemalloc the Swift children link"))
        }
        let scenario = row.scenario
        guard let folder = side.catalog.scenarioFolders(includeFixtures: true).first(where: { $0.name == scenario })
        else {
            return .failure(AttributionError(message: "the \(name) side's tree has no scenario \(scenario)"))
        }
        let entry: ScenarioCatalog.Entry
        do {
            entry = try side.catalog.entry(name: scenario, folder: folder.folder)
        } catch {
            return .failure(AttributionError(message: "the \(name) side's \(scenario) cannot be started: \(error)"))
        }
        guard case .built(let executable) = entry.launch else {
            return .failure(
                AttributionError(
                    message: "\(scenario) is not a Swift scenario (its program is not on jemalloc): no heap profile"))
        }
        guard let profile = Profile(rawValue: side.document.profile) else {
            return .failure(
                AttributionError(
                    message: "the \(name) run's profile '\(side.document.profile)' is unknown to this bpbench"))
        }
        let sideDirectory = directory + "/what-grew/" + name
        do {
            try FileManager.default.createDirectory(atPath: sideDirectory, withIntermediateDirectories: true)
        } catch {
            return .failure(AttributionError(message: "cannot create \(sideDirectory): \(error.localizedDescription)"))
        }
        let limits = self.limits(for: side)
        var runner = BenchRunner(
            catalog: side.catalog, limits: limits, cacheDirectory: cacheDirectory, interruption: interruption)
        runner.attributionDirectory = sideDirectory
        runner.attributionSampleLg = sampleLg
        let step = RunPlan.Step(
            entry: entry, scale: scale, repeatIndex: 1, parameters: recorded.parameters.sorted { $0.key < $1.key },
            variant: row.variant, allocator: row.allocator)
        let record = runner.execute(step, profile: profile, logDirectory: sideDirectory)
        guard record.status == .ok else {
            return .failure(
                AttributionError(
                    message:
                        "the \(name) child ended \(record.status.rawValue) under profiling\(record.statusDetail.map { " (\($0))" } ?? "")"
                ))
        }
        guard let heap = record.observed.heapProfile else {
            return .failure(
                AttributionError(
                    message: "the \(name) child left no heap profile (is its jemalloc built with profiling?)"))
        }
        return .success(
            Dumped(
                heap: heap, executable: executable, row: row, scale: scale,
                profiledAllocatedBytes: record.metrics["profile_allocated_bytes"].map { Int($0) },
                peakAllocatedBytes: record.peaks.allocated))
    }

    /// A profiled child's limits: the side's recorded sampling, cap and timeout, on ``cpus``.
    func limits(for side: Side) -> ChildLimits {
        var limits = ChildLimits()
        limits.sampleIntervalMs = side.document.sampleIntervalMs
        limits.memoryCapBytes = side.document.memoryCapBytes
        limits.timeoutS = side.document.timeoutS
        limits.cpus = cpus
        return limits
    }

    /// `4`, `0.5`: as the run folder's log names write a scale.
    static func scaleLabel(_ scale: Double) -> String {
        scale == scale.rounded() ? String(Int(scale)) : String(scale)
    }
}
