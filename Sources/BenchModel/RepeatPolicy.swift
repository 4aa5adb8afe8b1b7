import BenchProtocol
import BenchSystem

/// How many recorded repeats each row gets at its smallest and largest scale: a fixed count, or
/// adaptive — at least ``minimum``, then one more round at a time while a ``RepeatRule`` says the
/// row's figures are not settled, at most ``maximum`` (hyperfine's `--min-runs`/`--max-runs`).
/// The rule may also give a row up before the maximum — `bpbench run`'s `PrecisionRule` when no
/// further repeats could settle it, or when its repeats at a scale have used their time budget —
/// and the report marks such a row unsettled.
///
/// Why adaptive: most rows answer after a few repeats (a paced transfer's throughput moves by
/// 0.1 %, a bounded heap by a few KiB), a few need many (a fan-out's peak spreads 5×). A fixed
/// count spends the same time on both and says nothing about which answer is firm.
public struct RepeatPolicy: Sendable, Equatable, Codable {
    public var minimum: Int
    public var maximum: Int
    /// How far past ``maximum`` a rule may still run a scale, for the one reason it states
    /// (``RepeatRule/ceiling``: the gate's growth verdict that would be a finding and is
    /// inconclusive runs on to 11 a side); nil: no further. Kept on the policy so the run's
    /// documents — and report.md's header — state the bounds a row could really reach.
    public var ceiling: Int?

    public init(minimum: Int, maximum: Int, ceiling: Int? = nil) {
        self.minimum = minimum
        self.maximum = Swift.max(minimum, maximum)
        self.ceiling = ceiling.flatMap { $0 > self.maximum ? $0 : nil }
    }

    /// The most repeats a scale can get: ``ceiling`` when there is one, else ``maximum``.
    public var mostRepeats: Int { ceiling ?? maximum }

    /// Exactly `count` repeats.
    public static func fixed(_ count: Int) -> RepeatPolicy { RepeatPolicy(minimum: count, maximum: count) }

    public var isAdaptive: Bool { maximum > minimum }

    /// `bpbench run`'s adaptive bounds when none are given: 5 is the fewest with which the growth
    /// test and the gate can reach p < 0.01; 10 caps a row that never settles at twice that.
    public static let defaultMinimum = 5
    public static let defaultMaximum = 10

    /// `bpbench run`'s policy: `repeats` fixed, else adaptive between `minimum` and `maximum`
    /// (``defaultMinimum`` and ``defaultMaximum`` when not given) — except the stress profile,
    /// whose children take minutes: one each unless asked. Usage errors name the flags.
    public static func run(
        profile: Profile, repeats: Int?, minimum: Int?, maximum: Int?
    ) throws(BenchError) -> RepeatPolicy {
        if let repeats {
            guard minimum == nil, maximum == nil else {
                throw BenchError(
                    .usage, "--repeat fixes the count; it cannot be combined with --min-repeats or --max-repeats")
            }
            guard repeats >= 1 else { throw BenchError(.usage, "--repeat must be at least 1, got \(repeats)") }
            return .fixed(repeats)
        }
        if profile == .stress, minimum == nil, maximum == nil { return .fixed(1) }
        let least = minimum ?? defaultMinimum
        let most = maximum ?? Swift.max(least, defaultMaximum)
        guard least >= 1 else { throw BenchError(.usage, "--min-repeats must be at least 1, got \(least)") }
        guard most >= least else {
            throw BenchError(.usage, "--max-repeats (\(most)) must be at least --min-repeats (\(least))")
        }
        return RepeatPolicy(minimum: least, maximum: most)
    }

    /// One more repeat for each row and scale of `group` — and of the rows the rule reads with
    /// them (``RepeatRule/companions(of:)``) that have run — that `rule` calls unsettled and that
    /// has fewer than the maximum — or than the rule's ``RepeatRule/ceiling``, when it has a
    /// higher one: the last step there, with the next repeat index. Only `scales` (the plan's
    /// ``RunPlan/extensibleScales``) are extended.
    ///
    /// - Parameter executed: every step of this side run so far (earlier groups' too).
    /// - Parameter records: a row's records so far, this side's.
    /// - Parameter otherSide: in an interleaved A/B, the other side's records of the row.
    public func extensions(
        of group: [RunPlan.Step], executed: [RunPlan.Step], at scales: [Double], rule: any RepeatRule,
        records: (RowID) -> [RunRecord], otherSide: (RowID) -> [RunRecord] = { _ in [] }
    ) -> [RunPlan.Step] {
        guard isAdaptive else { return [] }
        var rows: [RowID] = []
        for step in group where !rows.contains(step.row) { rows.append(step.row) }
        // A row the rule reads with one of the group's (a claim comparing the two) gets its next
        // repeat in the same round when it has run already, even in an earlier group.
        for row in rows {
            for companion in rule.companions(of: row)
            where !rows.contains(companion) && executed.contains(where: { $0.row == companion }) {
                rows.append(companion)
            }
        }
        // Past the maximum only the rule knows why a scale would need more (the gate's: a growth
        // verdict not yet the baseline's), so it is offered those scales and answers for them.
        let most = Swift.max(maximum, rule.ceiling ?? maximum)
        var more: [RunPlan.Step] = []
        for row in rows {
            let open = scales.filter { scale in
                executed.filter { $0.row == row && $0.scale == scale && !$0.isWarmup }.count < most
            }
            guard !open.isEmpty else { continue }
            let seen = records(row) + rule.companions(of: row).flatMap(records)
            for scale in rule.unsettledScales(row: row, scales: open, records: seen, otherSide: otherSide(row))
            where open.contains(scale) {
                guard var next = executed.last(where: { $0.row == row && $0.scale == scale }) else { continue }
                next.repeatIndex += 1
                more.append(next)
            }
        }
        return more
    }
}

/// Decides, after each round of one row's repeats, which of its scales need another repeat.
/// The rules live with what they judge (`PrecisionRule` in BenchReport, `GateRepeatRule` in
/// BenchGate); the run loop only asks.
public protocol RepeatRule: Sendable {
    /// The scales among `scales` at which `row` is not settled yet, given the row's records so far
    /// and its ``companions(of:)``'s (`records`) and, in an interleaved A/B, the other side's
    /// (`otherSide`, else empty).
    func unsettledScales(row: RowID, scales: [Double], records: [RunRecord], otherSide: [RunRecord]) -> [Double]

    /// The other rows whose records the rule reads to settle `row` (`bpbench run`'s claims that
    /// compare two rows): their records come with `row`'s, and while `row`'s group runs they are
    /// asked about too, so both sides of an undecided comparison get more repeats — whichever of
    /// the two ran first.
    func companions(of row: RowID) -> [RowID]

    /// The most repeats a scale may get when that is more than the policy's maximum, else nil.
    /// A rule with one is offered the scales between the two as well and must ask for them only
    /// for the reason that needs them: the gate's rule runs a row whose growth verdict is not yet
    /// the baseline's on past the maximum its cells need (``GateRepeatRule``), because at 7 + 7
    /// one starved repeat decides the verdict's test.
    var ceiling: Int? { get }
}

extension RepeatRule {
    /// No ceiling of its own: the policy's maximum is the rule's.
    public var ceiling: Int? { nil }

    /// Each row settles on its own records (the gate's rule: its cells and verdicts are per row).
    public func companions(of row: RowID) -> [RowID] { [] }
}
