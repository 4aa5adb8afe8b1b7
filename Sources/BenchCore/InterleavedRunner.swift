/// Runs two plans — the revision under test (*head*) and the one it is compared with (*base*) —
/// interleaved, one child at a time: for each scenario and scale, head and base alternate
/// (A B, B A, A B …), so a machine that slows down or speeds up during the job (another tenant,
/// thermal state, the page cache) moves both sides alike. This is what makes throughput and
/// latency comparable at all: never with numbers from another machine, only side by side here.
public struct InterleavedRunner: Sendable {
    /// One side: what runs it and what it runs.
    public struct Side: Sendable {
        public var name: String
        public var executor: any StepExecutor
        public var plan: RunPlan
        public var logDirectory: String

        public init(name: String, executor: any StepExecutor, plan: RunPlan, logDirectory: String) {
            self.name = name
            self.executor = executor
            self.plan = plan
            self.logDirectory = logDirectory
        }
    }

    /// What the terminal is told as the run goes.
    public enum Event: Sendable {
        case starting(side: String, RunPlan.Step, index: Int, total: Int)
        case finished(side: String, RunPlan.Step, RunRecord)
    }

    public let head: Side
    public let base: Side
    public let interruption: Interruption?

    public init(head: Side, base: Side, interruption: Interruption?) {
        self.head = head
        self.base = base
        self.interruption = interruption
    }

    /// The order children run in: (side, step) pairs. A scenario or scale only one side has runs
    /// on that side alone (it cannot be compared, but the head's still meets the baseline).
    public func schedule() -> [(side: Side, step: RunPlan.Step)] {
        head.plan.rowGroups.flatMap { schedule($0, base: baseSteps(of: $0)) }
    }

    /// The base plan's steps of the row `group` belongs to.
    func baseSteps(of group: [RunPlan.Step]) -> [RunPlan.Step] {
        guard let first = group.first else { return [] }
        return base.plan.steps.filter { $0.entry.name == first.entry.name && $0.variant == first.variant }
    }

    /// One row's steps: for each scale, head and base alternate (A B, B A, …); `added` repeats
    /// (adaptive) take their turn from their repeat index.
    func schedule(_ headSteps: [RunPlan.Step], base baseSteps: [RunPlan.Step], added: Bool = false) -> [(side: Side, step: RunPlan.Step)] {
        var order: [(Side, RunPlan.Step)] = []
        var groups: [String] = []
        for step in headSteps where !groups.contains(Self.group(step)) { groups.append(Self.group(step)) }
        for group in groups {
            let headSteps = headSteps.filter { Self.group($0) == group }
            let baseSteps = baseSteps.filter { Self.group($0) == group }
            for index in 0..<max(headSteps.count, baseSteps.count) {
                let pair: [(Side, RunPlan.Step)?] = [
                    index < headSteps.count ? (head, headSteps[index]) : nil,
                    index < baseSteps.count ? (base, baseSteps[index]) : nil,
                ]
                // An added repeat keeps the alternation going by its repeat index.
                let headFirst = added ? headSteps[min(index, headSteps.count - 1)].repeatIndex % 2 == 0 : index % 2 == 0
                order += (headFirst ? pair : pair.reversed()).compactMap { $0 }
            }
        }
        return order
    }

    /// Runs the schedule, collecting each side's records into its document. With an adaptive
    /// head plan and a `rule`, each row runs its planned pairs, then one more pair at each end
    /// scale the rule calls unsettled (seeing both sides' records), until none is or the maximum
    /// is reached.
    public func execute(head headDocument: inout RunDocument, base baseDocument: inout RunDocument, rule: (any RepeatRule)? = nil,
                        progress: (Event) -> Void) {
        var index = 0
        var total = schedule().count
        rows: for group in head.plan.rowGroups {
            var order = schedule(group, base: baseSteps(of: group))
            var headExecuted: [RunPlan.Step] = []
            var baseExecuted: [RunPlan.Step] = []
            while !order.isEmpty {
                for (side, step) in order {
                    if interruption?.isInterrupted == true { break rows }
                    progress(.starting(side: side.name, step, index: index, total: total))
                    index += 1
                    let record = side.executor.execute(step, profile: side.plan.profile, logDirectory: side.logDirectory)
                    progress(.finished(side: side.name, step, record))
                    if side.name == head.name {
                        headExecuted.append(step)
                        BenchRunner.collect(record, of: step, into: &headDocument)
                    } else {
                        baseExecuted.append(step)
                        BenchRunner.collect(record, of: step, into: &baseDocument)
                    }
                }
                guard let rule else { break }
                let headRecords = headDocument.records, baseRecords = baseDocument.records
                let headMore = head.plan.extensions(of: group, executed: headExecuted, rule: rule,
                                                    records: { row in headRecords.filter { $0.scenario == row } },
                                                    otherSide: { row in baseRecords.filter { $0.scenario == row } })
                // The base side gets the same repeat where it has the row and scale.
                let baseMore = headMore.compactMap { added -> RunPlan.Step? in
                    guard var next = baseExecuted.last(where: { $0.row == added.row && $0.scale == added.scale }) else { return nil }
                    next.repeatIndex = added.repeatIndex
                    return next
                }
                order = schedule(headMore, base: baseMore, added: true)
                total += order.count
            }
        }
        if interruption?.isInterrupted == true {
            headDocument.interrupted = true
            baseDocument.interrupted = true
        }
    }

    static func group(_ step: RunPlan.Step) -> String { "\(step.entry.name)\u{0}\(step.scale)" }
}
