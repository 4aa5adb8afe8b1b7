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
        var order: [(Side, RunPlan.Step)] = []
        var groups: [String] = []
        for step in head.plan.steps where !groups.contains(Self.group(step)) { groups.append(Self.group(step)) }
        for group in groups {
            let headSteps = head.plan.steps.filter { Self.group($0) == group }
            let baseSteps = base.plan.steps.filter { Self.group($0) == group }
            for index in 0..<max(headSteps.count, baseSteps.count) {
                let pair: [(Side, RunPlan.Step)?] = [
                    index < headSteps.count ? (head, headSteps[index]) : nil,
                    index < baseSteps.count ? (base, baseSteps[index]) : nil,
                ]
                order += (index % 2 == 0 ? pair : pair.reversed()).compactMap { $0 }
            }
        }
        return order
    }

    /// Runs the schedule, collecting each side's records into its document.
    public func execute(head headDocument: inout RunDocument, base baseDocument: inout RunDocument, progress: (Event) -> Void) {
        let order = schedule()
        for (index, (side, step)) in order.enumerated() {
            if interruption?.isInterrupted == true { break }
            progress(.starting(side: side.name, step, index: index, total: order.count))
            let record = side.executor.execute(step, profile: side.plan.profile, logDirectory: side.logDirectory)
            progress(.finished(side: side.name, step, record))
            if side.name == head.name {
                BenchRunner.collect(record, of: step, into: &headDocument)
            } else {
                BenchRunner.collect(record, of: step, into: &baseDocument)
            }
        }
        if interruption?.isInterrupted == true {
            headDocument.interrupted = true
            baseDocument.interrupted = true
        }
    }

    static func group(_ step: RunPlan.Step) -> String { "\(step.entry.name)\u{0}\(step.scale)" }
}
