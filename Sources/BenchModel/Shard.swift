import BenchProtocol
import BenchSystem
import Foundation

/// Which slice of a plan this machine runs: shard `index` of `count`, numbered from 1.
public struct ShardSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(BenchError) {
        guard count >= 1 else { throw BenchError(.usage, "a plan is cut into at least 1 shard, got \(count)") }
        guard (1...count).contains(index) else {
            throw BenchError(.usage, "shard \(index)/\(count) is out of range: shards are numbered 1…\(count)")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// `I/N`, I from 1.
    public static func parse(_ text: String) throws(BenchError) -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw BenchError(.usage, "--shard takes I/N (I from 1), e.g. 2/3; got '\(text)'")
        }
        return try ShardSpec(index: index, count: count)
    }

    /// Kubernetes Indexed Jobs number their pods from 0 in this variable.
    public static let kubernetesIndexVariable = "JOB_COMPLETION_INDEX"
    /// Slurm job arrays: the task's ID, the array's lowest ID and its task count.
    public static let slurmIndexVariable = "SLURM_ARRAY_TASK_ID"
    public static let slurmMinimumVariable = "SLURM_ARRAY_TASK_MIN"
    public static let slurmCountVariable = "SLURM_ARRAY_TASK_COUNT"

    /// The shard from the command line and the environment, or nil for the whole plan.
    ///
    /// - `explicit` (`--shard I/N`) wins and excludes the others.
    /// - `variable` (`--shard-from-env VAR`) holds a **0-based** index, as every engine writes it
    ///   (`JOB_COMPLETION_INDEX`, GitHub's `strategy.job-index`, `AWS_BATCH_JOB_ARRAY_INDEX`);
    ///   `count` (`--shards N`) says how many.
    /// - Else `JOB_COMPLETION_INDEX` (0-based; Kubernetes does not tell a pod the completion
    ///   count, so `--shards N` is needed), else `SLURM_ARRAY_TASK_ID` counted from
    ///   `SLURM_ARRAY_TASK_MIN` (so `--array=0-2` and `--array=1-3` both work; a contiguous array),
    ///   with `SLURM_ARRAY_TASK_COUNT` as the count unless `--shards` says.
    public static func resolve(
        explicit: String?, count: Int?, variable: String?, environment: [String: String]
    ) throws(BenchError) -> ShardSpec? {
        if let explicit {
            guard count == nil, variable == nil else {
                throw BenchError(.usage, "--shard I/N already says which shard; drop --shards and --shard-from-env")
            }
            return try parse(explicit)
        }
        func zeroBased(_ name: String, _ text: String) throws(BenchError) -> Int {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw BenchError(.usage, "\(name)='\(text)' is not a shard index (a whole number from 0)")
            }
            return value
        }
        func needCount(_ source: String) throws(BenchError) -> Int {
            guard let count else {
                throw BenchError(
                    .usage, "the shard index comes from \(source); say how many shards there are with --shards N")
            }
            return count
        }
        if let variable {
            guard let text = environment[variable] else {
                throw BenchError(.usage, "--shard-from-env \(variable): \(variable) is not set")
            }
            return try ShardSpec(index: try zeroBased(variable, text) + 1, count: try needCount(variable))
        }
        if let text = environment[kubernetesIndexVariable] {
            return try ShardSpec(
                index: try zeroBased(kubernetesIndexVariable, text) + 1, count: try needCount(kubernetesIndexVariable))
        }
        if let text = environment[slurmIndexVariable] {
            let id = try zeroBased(slurmIndexVariable, text)
            var minimum = 0
            if let text = environment[slurmMinimumVariable] { minimum = try zeroBased(slurmMinimumVariable, text) }
            var total = count
            if total == nil, let text = environment[slurmCountVariable] {
                total = try zeroBased(slurmCountVariable, text)
            }
            guard let total else {
                throw BenchError(
                    .usage,
                    "the shard index comes from \(slurmIndexVariable) but \(slurmCountVariable) is not set; pass --shards N"
                )
            }
            return try ShardSpec(index: id - minimum + 1, count: total)
        }
        if count != nil {
            throw BenchError(
                .usage,
                "--shards N needs the shard's index: --shard I/N, --shard-from-env VAR, \(kubernetesIndexVariable) or \(slurmIndexVariable)"
            )
        }
        return nil
    }
}

/// Cuts a ``PlanFile`` into shards: deterministic (every machine computes the same cut from the
/// same file), balanced by expected cost, and never splitting what must be measured together.
///
/// The unit is one row's steps at one scale (both allocators of it, so an allocator ratio is
/// one machine's): a verdict's repeats must come from one machine. In an interleaved plan the
/// unit is a whole scale, every row of it: interleaving exists for ratios between rows, which
/// only mean something when the rows alternate on one machine. In a check's plan the unit is a
/// whole row, every scale of it: the gate judges the growth verdict (×1 against ×4 — a
/// baseline's *grows* seen as *unknown* on a shard holding one scale would be a false negative-
/// control finding), and adaptive repeats settle a row over both scales and both sides.
public enum ShardSlicer {
    /// One indivisible piece of a plan: its steps' indices in plan order, and its cost.
    public struct Unit: Sendable, Equatable {
        public var key: String
        public var stepIndices: [Int]
        public var cost: Double
    }

    public static func units(of plan: PlanFile) -> [Unit] {
        var units: [Unit] = []
        var position: [String: Int] = [:]
        for (index, step) in plan.steps.enumerated() {
            let row = RowID(scenario: step.scenario, variant: step.variant).description
            let key = plan.interleaved ? "×\(step.scale)" : plan.check != nil ? row : "\(row) ×\(step.scale)"
            if let at = position[key] {
                units[at].stepIndices.append(index)
                units[at].cost += step.cost
            } else {
                position[key] = units.count
                units.append(Unit(key: key, stepIndices: [index], cost: step.cost))
            }
        }
        // A unit that starts without a warm-up gets one on its shard (``steps(of:shard:)``).
        for index in units.indices where plan.warmups > 0 && !plan.steps[units[index].stepIndices[0]].isWarmup {
            units[index].cost += plan.steps[units[index].stepIndices[0]].cost
        }
        return units
    }

    /// The shard (1…count) of each unit: longest expected cost first onto the least-loaded
    /// shard (ties: the earlier unit, the lower shard), the classic LPT rule — within 4/3 of the
    /// best possible makespan, and the same on every machine.
    public static func assignment(of plan: PlanFile, shards count: Int) -> [Int] {
        let units = units(of: plan)
        let order = units.indices.sorted {
            units[$0].cost != units[$1].cost ? units[$0].cost > units[$1].cost : $0 < $1
        }
        var load = [Double](repeating: 0, count: count)
        var shardOf = [Int](repeating: 1, count: units.count)
        for unit in order {
            let lightest = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 } ?? 0
            load[lightest] += units[unit].cost
            shardOf[unit] = lightest + 1
        }
        return shardOf
    }

    /// The steps shard `shard` runs, in plan order. A row that starts on this shard without its
    /// warm-up gets one (a copy of its first step, unrecorded): the warm-up is there to warm the
    /// machine that measures, and this is another machine.
    public static func steps(of plan: PlanFile, shard: ShardSpec) -> [PlanFile.Step] {
        let units = units(of: plan)
        let shardOf = assignment(of: plan, shards: shard.count)
        let indices = units.indices.filter { shardOf[$0] == shard.index }.flatMap { units[$0].stepIndices }.sorted()
        var result: [PlanFile.Step] = []
        var warmed: Set<RowID> = []
        for index in indices {
            let step = plan.steps[index]
            if step.isWarmup {
                warmed.insert(step.row)
            } else if plan.warmups > 0, !warmed.contains(step.row) {
                var warmup = step
                warmup.repeatIndex = 0
                result.append(warmup)
                warmed.insert(step.row)
            }
            result.append(step)
        }
        return result
    }

    /// The baseline rows shard `shard` of a check's plan judges, in the plan's order: the rows it
    /// runs, and on shard 1 the rows no shard runs (a scenario the checkout lacks), which it
    /// judges as missing, so that the shards together judge every row the check names once.
    public static func checkRows(of plan: PlanFile, shard: ShardSpec) -> [RowID] {
        let mine = Set(steps(of: plan, shard: shard).map(\.row)).union(shard.index == 1 ? plan.unscheduledRows : [])
        return (plan.check?.rows ?? []).filter { mine.contains($0) }
    }

    /// The keys of the recorded repeats shard `shard` owns (warm-ups are not recorded).
    public static func recordedKeys(of plan: PlanFile, shard: ShardSpec) -> [String] {
        steps(of: plan, shard: shard).filter { !$0.isWarmup }.map(\.key)
    }
}

/// `shard.json` in a shard's run folder: which plan, which revision, which slice, which host.
/// Written before the first child starts, so even a shard whose harness died is identifiable.
public struct ShardStamp: Codable, Sendable, Equatable {
    public static let fileName = "shard.json"
    /// The plan's copy in the shard folder: `merge` reads it to name a missing shard's rows.
    public static let planFileName = "plan.json"
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var planID: String
    public var revision: String
    public var shard: Int
    public var shards: Int
    public var hostname: String
    public var startedAt: String

    public init(plan: PlanFile, shard: ShardSpec, hostname: String) {
        formatVersion = Self.currentFormatVersion
        planID = plan.planID
        revision = plan.revision
        self.shard = shard.index
        shards = shard.count
        self.hostname = hostname
        startedAt = RunDocument.timestamp()
    }

    /// Writes the stamp and the plan's copy into `directory`.
    public func write(plan: PlanFile, into directory: String) throws(BenchError) {
        try plan.write(to: directory + "/" + Self.planFileName)
        let data: Data
        do {
            data = try JSONLineCoding.prettyEncoder.encode(self)
        } catch {
            throw BenchError(.software, "cannot encode \(Self.fileName): \(error)")
        }
        try AtomicFile.write(data + Data("\n".utf8), to: directory + "/" + Self.fileName)
    }

    /// Reads a shard folder's stamp: 66 when the folder is not a shard, 74 when the stamp cannot
    /// be read, 65 when it is corrupt.
    public static func load(_ directory: String) throws(BenchError) -> ShardStamp {
        let path = directory + "/" + fileName
        let stamp = try JSONDocument.load(
            ShardStamp.self, from: path, what: "shard stamp",
            missing:
                "\(directory) is not a shard folder (no \(fileName); shards are written by bpbench run --plan FILE --shard I/N)"
        ) { "\(path) is corrupt: \($0.localizedDescription)" }
        try JSONDocument.requireFormat(stamp.formatVersion, readable: [currentFormatVersion], of: path)
        return stamp
    }
}
