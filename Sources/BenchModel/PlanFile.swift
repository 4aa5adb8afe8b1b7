import BenchProtocol
import BenchSystem
import Foundation

/// A resolved plan as a file (`bpbench plan … --out plan.json`): every row × scale × repeat with
/// its parameters, the settings a run takes from its options, the source revision it was made
/// at, and each step's expected cost. `bpbench run --plan FILE --shard I/N` runs a slice of it
/// (``ShardSlicer``), so machines that never talk to each other run disjoint parts of one plan.
///
/// Why a file and not "every machine resolves the options itself": the file is the contract the
/// shards and `bpbench merge` check each other against (its ``planID``), and a person can read
/// what will run before paying for the machines.
public struct PlanFile: Codable, Sendable, Equatable {
    /// 1: the first layout.
    public static let currentFormatVersion = 1

    /// One child to start, as the plan resolved it.
    public struct Step: Codable, Sendable, Equatable {
        /// The scenario's folder name (its catalog entry).
        public var scenario: String
        public var variant: String?
        public var allocator: Allocator
        public var scale: Double
        /// 0: the warm-up (run, not recorded); 1…: recorded repeats.
        public var repeatIndex: Int
        /// `[name, value]` pairs in the scenario's declaration order (the order `run` passes).
        public var parameters: [[String]]
        /// Expected cost: seconds when the plan read an earlier run (``PlanFile/costBasis``),
        /// else the scale factor (a ×4 step takes about four ×1 steps).
        public var cost: Double

        /// The row it reports under: its scenario, variant and allocator.
        public var row: RowID { RowID(scenario: scenario, variant: variant, allocator: allocator) }
        public var isWarmup: Bool { repeatIndex == 0 }
        /// What identifies one recorded repeat across shards: row, scale, repeat.
        public var key: String { Self.key(row: row, scale: scale, repeatIndex: repeatIndex) }

        public static func key(row: RowID, scale: Double, repeatIndex: Int) -> String {
            "\(row) ×\(scale == scale.rounded() ? String(Int(scale)) : String(scale)) r\(repeatIndex)"
        }
    }

    /// The child limits a run takes from its options (``ChildLimits``), kept so every shard
    /// measures with the same sampling and caps.
    public struct Limits: Codable, Sendable, Equatable {
        public var sampleIntervalMs: Double
        public var timelineIntervalMs: Double
        public var memoryCapBytes: Int
        public var timeoutS: Double
        /// The CPUs the planning machine pinned the children to (nil in plans made before
        /// pinning: each shard's default); a shard's `--cpus` overrides it.
        public var cpus: ChildCPUs?

        public init(_ limits: ChildLimits) {
            sampleIntervalMs = limits.sampleIntervalMs
            timelineIntervalMs = limits.timelineIntervalMs
            memoryCapBytes = limits.memoryCapBytes
            timeoutS = limits.timeoutS
            cpus = limits.cpus
        }

        public var childLimits: ChildLimits {
            var limits = ChildLimits()
            limits.sampleIntervalMs = sampleIntervalMs
            limits.timelineIntervalMs = timelineIntervalMs
            limits.memoryCapBytes = memoryCapBytes
            limits.timeoutS = timeoutS
            if let cpus { limits.cpus = cpus }
            return limits
        }
    }

    public var formatVersion: Int
    /// A digest of everything below but ``createdAt``: shards of one plan carry the same one.
    public var planID: String
    public var createdAt: String
    /// The source revision the plan was made at (`git rev-parse`, `-dirty` when the tree has
    /// uncommitted changes; `BPBENCH_REVISION` where the checkout has no `.git`). A shard refuses
    /// to run on another: the figures would measure a different code.
    public var revision: String
    public var profile: Profile
    public var repeats: Int
    /// Adaptive repeats' maximum (nil: fixed at ``repeats``).
    public var maxRepeats: Int?
    /// How far past ``maxRepeats`` a row may still run (``RepeatPolicy/ceiling``: a check's
    /// growth verdict run-on, 11), so each shard's run.json — and its report.md header — states
    /// the bounds its rows could reach, not "3–7". Nil when there is none, and in plans made
    /// before it was recorded (absent from their file, so they keep their ID).
    public var repeatCeiling: Int?
    /// Adaptive repeats' precision target (``RepeatPolicy``), as fractions.
    public var ciWidth: Double?
    public var ciLevel: Double?
    public var warmups: Int
    public var scales: [Double]
    /// `--interleave`: rows alternate repeat by repeat; a shard then keeps every row of a scale.
    public var interleaved: Bool
    public var limits: Limits
    public var reference: RowID?
    /// What ``Step/cost`` is: `scale`, or `seconds per unit of scale from <run folder>`.
    public var costBasis: String
    public var steps: [Step]
    /// Set in a check's plan (`bpbench plan --check`): the gate's baseline and what it judges.
    /// Its shards run with `bpbench check --plan`, a shard is whole rows (``ShardSlicer``), and
    /// `merge` combines their judgements. Nil in a benchmark plan (absent from its file, so
    /// plans made before it keep their ID).
    public var check: Check?

    /// What a check's plan adds to a benchmark plan: the shards must judge against the same
    /// baseline, the same rows, with the same declared injections.
    public struct Check: Codable, Sendable, Equatable {
        /// The baseline file as the plan was given it (a shard reads it there unless told).
        public var baseline: String
        /// ``PlanFile/contentDigest(_:)`` of the baseline file's bytes: a shard judging against
        /// another baseline would judge another gate.
        public var baselineDigest: String
        /// The rows the check judges: the baseline's, in its order — including rows this checkout
        /// has no scenario for, which shard 1 judges as missing, as `check` does — then the rows
        /// the plan runs that the baseline lacks (judged against the base revision only).
        public var rows: [RowID]
        /// `--inject NAME.key=value`: scenario → parameter keys declared as standing for a code
        /// change (the steps carry the injected values).
        public var injected: [String: [String]]?

        public init(baseline: String, baselineDigest: String, rows: [RowID], injected: [String: [String]]?) {
            self.baseline = baseline
            self.baselineDigest = baselineDigest
            self.rows = rows
            self.injected = injected
        }
    }

    /// Rows the check judges that no step runs (a scenario this checkout lacks): shard 1 reports
    /// them missing, so the merged verdict is the unsharded check's.
    public var unscheduledRows: [RowID] {
        let scheduled = Set(steps.map(\.row))
        return (check?.rows ?? []).filter { !scheduled.contains($0) }
    }

    public init(
        plan: RunPlan, revision: String, limits: ChildLimits, reference: RowID?, ciWidth: Double?, ciLevel: Double?,
        costs: CostModel = CostModel(), check: Check? = nil
    ) {
        formatVersion = Self.currentFormatVersion
        self.check = check
        planID = ""
        createdAt = RunDocument.timestamp()
        self.revision = revision
        profile = plan.profile
        repeats = plan.repeats
        maxRepeats = plan.repeatPolicy.isAdaptive ? plan.repeatPolicy.maximum : nil
        repeatCeiling = plan.repeatPolicy.isAdaptive ? plan.repeatPolicy.ceiling : nil
        self.ciWidth = plan.repeatPolicy.isAdaptive ? ciWidth : nil
        self.ciLevel = plan.repeatPolicy.isAdaptive ? ciLevel : nil
        warmups = plan.warmups
        scales = plan.scales
        interleaved = plan.isInterleaved
        self.limits = Limits(limits)
        self.reference = reference
        costBasis = costs.basis
        steps = plan.steps.map { step in
            Step(
                scenario: step.entry.name, variant: step.variant, allocator: step.allocator, scale: step.scale,
                repeatIndex: step.repeatIndex,
                parameters: step.parameters.map { [$0.0, $0.1] }, cost: costs.cost(row: step.row, scale: step.scale))
        }
        planID = digest()
    }

    /// The scenarios the plan runs, in first-seen order.
    public var scenarioNames: [String] {
        steps.reduce(into: [String]()) { names, step in
            if !names.contains(step.scenario) { names.append(step.scenario) }
        }
    }

    /// FNV-1a (64 bit) over the canonical JSON of the plan without its ID and creation time: an
    /// identity, not a security measure (Foundation on Linux has no SHA; nothing here needs one).
    public func digest() -> String {
        var copy = self
        copy.planID = ""
        copy.createdAt = ""
        return Self.contentDigest((try? JSONLineCoding.encoder.encode(copy)) ?? Data())
    }

    /// FNV-1a (64 bit) of `data`, 16 hex digits: the identity of a plan, a baseline file, a
    /// thresholds file.
    public static func contentDigest(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }

    // MARK: Files

    public func write(to path: String) throws(BenchError) {
        let data: Data
        do {
            data = try JSONLineCoding.prettyEncoder.encode(self)
        } catch {
            throw BenchError(.software, "cannot encode the plan: \(error)")
        }
        try AtomicFile.write(data + Data("\n".utf8), to: path)
    }

    /// Reads a plan file: 66 when it is missing, 74 when it cannot be read, 65 when it is not a
    /// plan this bpbench reads.
    public static func load(_ path: String) throws(BenchError) -> PlanFile {
        let plan = try JSONDocument.load(PlanFile.self, from: path, what: "plan file") {
            "\(path) is not a valid plan file (bpbench plan writes them): \(JSONDocument.problem($0))"
        }
        guard plan.formatVersion == currentFormatVersion else {
            throw BenchError(
                .data,
                "\(path) has plan format version \(plan.formatVersion); this bpbench reads \(currentFormatVersion)")
        }
        guard plan.digest() == plan.planID else {
            // Edited by hand: the shards of one plan could then disagree on what it holds.
            throw BenchError(
                .data,
                "\(path) was changed after bpbench plan wrote it (its planID does not match its content); make a new plan"
            )
        }
        return plan
    }

    /// Refuses to run the plan on another revision than it was made at (65).
    public func checkRevision(_ current: String, path: String) throws(BenchError) {
        guard current == revision else {
            throw BenchError(
                .data,
                "\(path) was made at revision \(revision); this checkout is \(current) (make the plan and run its shards at one revision)"
            )
        }
    }

    // MARK: Back to a RunPlan

    /// The ``RunPlan`` of `steps` (a shard's slice), its scenarios taken from `entries` by name;
    /// a scenario the plan names and `entries` lack is an error (66: not in this checkout).
    public func runPlan(_ steps: [Step], entries: [ScenarioEntry]) throws(BenchError) -> RunPlan {
        var plan = try RunPlan(
            entries: [], profile: profile, repeats: repeats, maxRepeats: maxRepeats, warmups: warmups, scales: scales,
            overrides: [])
        // The check's verdict run-on (nil in a benchmark plan and in plans made before it was recorded).
        plan.repeatPolicy = RepeatPolicy(
            minimum: plan.repeatPolicy.minimum, maximum: plan.repeatPolicy.maximum, ceiling: repeatCeiling)
        var resolved: [RunPlan.Step] = []
        for step in steps {
            guard let entry = entries.first(where: { $0.name == step.scenario }) else {
                throw BenchError(
                    .noInput, "the plan runs scenario '\(step.scenario)', which this checkout does not have")
            }
            guard step.parameters.allSatisfy({ $0.count == 2 }) else {
                throw BenchError(.data, "the plan's \(step.key) has a malformed parameter")
            }
            resolved.append(
                RunPlan.Step(
                    entry: entry, scale: step.scale, repeatIndex: step.repeatIndex,
                    parameters: step.parameters.map { ($0[0], $0[1]) },
                    variant: step.variant, allocator: step.allocator))
        }
        plan.steps = resolved
        // The slice keeps the plan's order; interleaving again only re-sorts it the same way.
        if interleaved { plan.interleave() }
        return plan
    }
}

/// Each row's expected seconds per unit of scale, read from an earlier run, so shards are
/// balanced by time and not by step count (a pipeline row at ×4 can take 20 quick rows' time).
public struct CostModel: Sendable, Equatable {
    /// Row → median wall seconds per unit of scale.
    public var secondsPerUnit: [String: Double] = [:]
    public var source: String?

    public init() {}

    /// Reads `document`'s ok repeats: wall seconds ÷ scale, median per row.
    public init(_ document: RunDocument, source: String) {
        self.source = source
        var rates: [String: [Double]] = [:]
        for record in document.records where record.status == .ok && record.observed.wallS > 0 && record.scale > 0 {
            rates[record.scenario.description, default: []].append(record.observed.wallS / record.scale)
        }
        secondsPerUnit = rates.mapValues { values in
            let sorted = values.sorted()
            return sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    public var basis: String { source.map { "seconds per unit of scale from \($0)" } ?? "scale" }

    /// A step's expected cost: scale × the row's seconds per unit; a row the earlier run lacks
    /// gets the median row's (so it weighs like a typical row, not like nothing).
    public func cost(row: RowID, scale: Double) -> Double {
        guard source != nil, !secondsPerUnit.isEmpty else { return scale }
        if let rate = secondsPerUnit[row.description] { return scale * rate }
        let sorted = secondsPerUnit.values.sorted()
        return scale * sorted[sorted.count / 2]
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
