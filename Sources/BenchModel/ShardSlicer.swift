import Foundation

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
