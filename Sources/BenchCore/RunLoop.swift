import BenchModel
import BenchProtocol
import Foundation

/// The one loop that executes a plan: `run`, `check` and `gate-proof` all go through it. It is
/// given a ``Schedule`` — one side's rows one after another, or a head and a base revision
/// interleaved — and a way to run a step (a child process, or a script in tests); it collects each
/// side's records into that side's document, appends each recorded row to the side's journal
/// before the next child starts (so a harness killed at any moment loses at most the row in
/// flight, whichever command ran it), and asks the ``RepeatRule`` for more repeats row by row.
public struct RunLoop {
    /// One side of a run: the plan it runs, where its logs go and the journal its rows are kept in.
    public struct Side {
        public var name: String
        public var plan: RunPlan
        public var logDirectory: String
        /// Each recorded row is appended here (nil: tests that keep no folder).
        public var journal: RunJournal?

        public init(name: String, plan: RunPlan, logDirectory: String, journal: RunJournal? = nil) {
            self.name = name
            self.plan = plan
            self.logDirectory = logDirectory
            self.journal = journal
        }
    }

    /// The order children run in.
    public enum Schedule {
        /// One side, row after row (a plan made with ``RunPlan/interleave()`` is one row group,
        /// so its rows take turns).
        case single(Side)
        /// The revision under test (*head*) and the one it is compared with (*base*): for each
        /// row and scale they alternate (A B, B A, A B …), so a machine that slows down or speeds
        /// up during the job (another tenant, thermal state, the page cache) moves both sides
        /// alike. This is what makes throughput and latency comparable at all: never with numbers
        /// from another machine, only side by side here.
        case interleaved(head: Side, base: Side)
    }

    /// What the terminal is told as the run goes; `side` indexes ``sides``.
    public enum Event {
        case starting(side: Int, RunPlan.Step, index: Int, total: Int)
        /// A few times a second while the step's child runs.
        case running(side: Int, RunPlan.Step, LiveStatus)
        case finished(side: Int, RunPlan.Step, RunRecord)
        /// Adaptive repeats added these steps (a row was not settled yet); they run next.
        case added([RunPlan.Step])
    }

    public let schedule: Schedule
    public let interruption: Interruption?

    public init(_ schedule: Schedule, interruption: Interruption?) {
        self.schedule = schedule
        self.interruption = interruption
    }

    /// The sides, head first; documents and events index them.
    public var sides: [Side] {
        switch schedule {
        case .single(let side): return [side]
        case .interleaved(let head, let base): return [head, base]
        }
    }

    /// Every planned child, in the order they run: (side, step). A scenario or scale only one side
    /// has runs on that side alone (it cannot be compared, but the head's still meets the baseline).
    public func order() -> [(side: Int, step: RunPlan.Step)] {
        sides[0].plan.rowGroups.flatMap(order(of:))
    }

    /// Runs the schedule, collecting each side's records into `documents` (one per side, in
    /// ``sides`` order). With an adaptive head plan and a `rule`, each row runs its planned steps,
    /// then one more repeat (one more pair, interleaved) at each end scale the rule calls
    /// unsettled — seeing the other side's records too — round after round, until none is or the
    /// plan's maximum is reached; the next row starts after that. Stops early, marking every
    /// document interrupted, when the interruption flag goes up.
    ///
    /// - Parameter run: runs one step of a side (an index into ``sides``), reporting how its
    ///   child does while it runs.
    public func execute(
        into documents: inout [RunDocument], rule: (any RepeatRule)?, progress: (Event) -> Void,
        run: (Int, RunPlan.Step, (LiveStatus) -> Void) -> RunRecord
    ) {
        let sides = self.sides
        precondition(documents.count == sides.count, "one document per side")
        var journalFailed = Array(repeating: false, count: sides.count)
        var index = 0
        var total = order().count
        // Every group's steps, not only the current one's: a rule may extend a row of an earlier
        // group that it reads with this one (a claim comparing the two, ``RepeatRule/companions(of:)``).
        var executed = Array(repeating: [RunPlan.Step](), count: sides.count)
        rows: for group in sides[0].plan.rowGroups {
            var pending = order(of: group)
            while !pending.isEmpty {
                for (side, step) in pending {
                    if interruption?.isInterrupted == true { break rows }
                    progress(.starting(side: side, step, index: index, total: total))
                    index += 1
                    // (Both closures are non-escaping; Swift wants the nesting made explicit.)
                    let record = withoutActuallyEscaping(
                        { progress(.running(side: side, step, $0)) },
                        do: { live in run(side, step, live) })
                    progress(.finished(side: side, step, record))
                    executed[side].append(step)
                    if Self.collect(record, of: step, into: &documents[side]), let journal = sides[side].journal,
                        !journalFailed[side]
                    {
                        do {
                            try journal.append(record)
                        } catch {
                            // The run goes on (run.json is still written at the end); say it once.
                            journalFailed[side] = true
                            FileHandle.standardError.write(
                                Data("bpbench: \(error.message); the run continues without its journal\n".utf8))
                        }
                    }
                }
                guard let rule else { break }
                pending = extensions(of: group, executed: executed, documents: documents, rule: rule)
                total += pending.count
                if !pending.isEmpty { progress(.added(pending.map(\.step))) }
            }
        }
        if interruption?.isInterrupted == true {
            for side in documents.indices { documents[side].interrupted = true }
        }
    }

    /// Adds a finished step's record to `document`: warm-ups and interrupted repeats are not
    /// recorded. Returns whether it was.
    @discardableResult
    public static func collect(_ record: RunRecord, of step: RunPlan.Step, into document: inout RunDocument) -> Bool {
        if record.status == .interrupted { document.interrupted = true }
        guard !step.isWarmup, record.status != .interrupted else { return false }
        document.adopt(record)
        return true
    }

    // MARK: Order

    /// One row group's planned children.
    func order(of group: [RunPlan.Step]) -> [(side: Int, step: RunPlan.Step)] {
        switch schedule {
        case .single:
            return group.map { (0, $0) }
        case .interleaved(_, let base):
            guard let first = group.first else { return [] }
            let baseSteps = base.plan.steps.filter { $0.entry.name == first.entry.name && $0.variant == first.variant }
            return alternate(group, baseSteps)
        }
    }

    /// The next round of a row: the head's extensions the rule asks for and, interleaved, the base
    /// side's same repeat where it has that row and scale.
    func extensions(
        of group: [RunPlan.Step], executed: [[RunPlan.Step]], documents: [RunDocument],
        rule: any RepeatRule
    ) -> [(side: Int, step: RunPlan.Step)] {
        let plan = sides[0].plan
        let own = documents[0].records
        let other = documents.count > 1 ? documents[1].records : []
        let headMore = plan.repeatPolicy.extensions(
            of: group, executed: executed[0], at: plan.extensibleScales, rule: rule,
            records: { row in own.filter { $0.scenario == row } },
            otherSide: { row in other.filter { $0.scenario == row } })
        guard case .interleaved = schedule else { return headMore.map { (0, $0) } }
        let baseMore = headMore.compactMap { added -> RunPlan.Step? in
            guard var next = executed[1].last(where: { $0.row == added.row && $0.scale == added.scale }) else {
                return nil
            }
            next.repeatIndex = added.repeatIndex
            return next
        }
        return alternate(headMore, baseMore, added: true)
    }

    /// Head and base steps, for each scale in turn, alternating (A B, B A, …); `added` repeats
    /// (adaptive) take their turn from their repeat index, so the alternation goes on.
    func alternate(
        _ headSteps: [RunPlan.Step], _ baseSteps: [RunPlan.Step], added: Bool = false
    ) -> [(side: Int, step: RunPlan.Step)] {
        var order: [(side: Int, step: RunPlan.Step)] = []
        var groups: [String] = []
        for step in headSteps where !groups.contains(Self.group(step)) { groups.append(Self.group(step)) }
        for group in groups {
            let headSteps = headSteps.filter { Self.group($0) == group }
            let baseSteps = baseSteps.filter { Self.group($0) == group }
            for index in 0..<max(headSteps.count, baseSteps.count) {
                let pair: [(side: Int, step: RunPlan.Step)?] = [
                    index < headSteps.count ? (0, headSteps[index]) : nil,
                    index < baseSteps.count ? (1, baseSteps[index]) : nil,
                ]
                let headFirst = added ? headSteps[min(index, headSteps.count - 1)].repeatIndex % 2 == 0 : index % 2 == 0
                order += (headFirst ? pair : pair.reversed()).compactMap { $0 }
            }
        }
        return order
    }

    /// A scenario at one scale: the unit within which the sides alternate.
    static func group(_ step: RunPlan.Step) -> String { "\(step.entry.name)\u{0}\(step.scale)" }
}
