import BenchModel

/// Runs two plans — the revision under test (*head*) and the one it is compared with (*base*) —
/// interleaved, one child at a time, each side through its own ``StepExecutor`` (this tree's
/// binaries and the base revision's). The order (A B, B A, …), the records, the journals and the
/// adaptive repeats are the ``RunLoop``'s, given ``RunLoop/Schedule/interleaved(head:base:)``.
public struct InterleavedRunner: Sendable {
    /// One side: what runs it, what it runs, and the journal its rows are kept in.
    public struct Side: Sendable {
        public var name: String
        public var executor: any StepExecutor
        public var plan: RunPlan
        public var logDirectory: String
        /// Each recorded row is appended here before the next child starts (nil: no folder).
        public var journal: RunJournal?

        public init(
            name: String, executor: any StepExecutor, plan: RunPlan, logDirectory: String, journal: RunJournal? = nil
        ) {
            self.name = name
            self.executor = executor
            self.plan = plan
            self.logDirectory = logDirectory
            self.journal = journal
        }

        var loopSide: RunLoop.Side {
            RunLoop.Side(name: name, plan: plan, logDirectory: logDirectory, journal: journal)
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

    var loop: RunLoop { RunLoop(.interleaved(head: head.loopSide, base: base.loopSide), interruption: interruption) }

    /// The order the planned children run in: (side, step) pairs.
    public func schedule() -> [(side: Side, step: RunPlan.Step)] {
        loop.order().map { ($0.side == 0 ? head : base, $0.step) }
    }

    /// Runs the schedule, collecting each side's records into its document (and journal). With an
    /// adaptive head plan and a `rule`, each row runs its planned pairs, then one more pair at
    /// each end scale the rule calls unsettled (seeing both sides' records), until none is or the
    /// maximum is reached.
    public func execute(
        head headDocument: inout RunDocument, base baseDocument: inout RunDocument, rule: (any RepeatRule)? = nil,
        progress: (Event) -> Void
    ) {
        let sides = [head, base]
        var documents = [headDocument, baseDocument]
        loop.execute(
            into: &documents, rule: rule,
            progress: { event in
                switch event {
                case .starting(let side, let step, let index, let total):
                    progress(.starting(side: sides[side].name, step, index: index, total: total))
                case .finished(let side, let step, let record):
                    progress(.finished(side: sides[side].name, step, record))
                case .running, .added: break  // the interleaved progress lines show neither
                }
            },
            run: { side, step, _ in
                sides[side].executor.execute(
                    step, profile: sides[side].plan.profile, logDirectory: sides[side].logDirectory)
            })
        headDocument = documents[0]
        baseDocument = documents[1]
    }
}
