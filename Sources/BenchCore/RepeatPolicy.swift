/// How many recorded repeats each row gets at its smallest and largest scale: a fixed count, or
/// adaptive — at least ``minimum``, then one more round at a time while a ``RepeatRule`` says the
/// row's figures are not settled, at most ``maximum`` (hyperfine's `--min-runs`/`--max-runs`).
///
/// Why adaptive: most rows answer after a few repeats (a paced transfer's throughput moves by
/// 0.1 %, a bounded heap by a few KiB), a few need many (a fan-out's peak spreads 5×). A fixed
/// count spends the same time on both and says nothing about which answer is firm.
public struct RepeatPolicy: Sendable, Equatable, Codable {
    public var minimum: Int
    public var maximum: Int

    public init(minimum: Int, maximum: Int) {
        self.minimum = minimum
        self.maximum = Swift.max(minimum, maximum)
    }

    /// Exactly `count` repeats.
    public static func fixed(_ count: Int) -> RepeatPolicy { RepeatPolicy(minimum: count, maximum: count) }

    public var isAdaptive: Bool { maximum > minimum }
}

/// Decides, after each round of one row's repeats, which of its scales need another repeat.
/// The statistics live with the reports (``BenchReport``); the runners only ask.
public protocol RepeatRule: Sendable {
    /// The scales among `scales` at which `row` is not settled yet, given the row's records so far
    /// (`records`) and, in an interleaved A/B, the other side's (`otherSide`, else empty).
    func unsettledScales(row: String, scales: [Double], records: [RunRecord], otherSide: [RunRecord]) -> [Double]
}

extension RunPlan {
    /// The plan's steps cut into rows (one scenario and variant, every scale and allocator of it),
    /// in plan order: the unit a ``RepeatRule`` settles.
    public var rowGroups: [[Step]] {
        // Interleaved: one group, so every row's repeats alternate (and extensions come in rounds).
        if isInterleaved { return steps.isEmpty ? [] : [steps] }
        var groups: [[Step]] = []
        for step in steps {
            if let last = groups.last?.last, last.entry.name == step.entry.name, last.variant == step.variant {
                groups[groups.count - 1].append(step)
            } else {
                groups.append([step])
            }
        }
        return groups
    }

    /// The scales that adaptive repeats may extend: the smallest and the largest (the growth test
    /// compares them, claims and the gate read them); those between keep ``interiorRepeats``.
    public var extensibleScales: [Double] {
        guard let smallest = scales.min(), let largest = scales.max() else { return [] }
        return smallest == largest ? [smallest] : [smallest, largest]
    }

    /// One more repeat for each row and scale of `group` that `rule` calls unsettled and that has
    /// fewer than the maximum: the last step there, with the next repeat index.
    ///
    /// - Parameter recorded: the records of the rows so far, this side's and (A/B) the other's.
    public func extensions(of group: [Step], executed: [Step], rule: any RepeatRule,
                           records: (String) -> [RunRecord], otherSide: (String) -> [RunRecord] = { _ in [] }) -> [Step] {
        guard repeatPolicy.isAdaptive else { return [] }
        var rows: [String] = []
        for step in group where !rows.contains(step.row) { rows.append(step.row) }
        var more: [Step] = []
        for row in rows {
            let open = extensibleScales.filter { scale in
                executed.filter { $0.row == row && $0.scale == scale && !$0.isWarmup }.count < repeatPolicy.maximum
            }
            guard !open.isEmpty else { continue }
            for scale in rule.unsettledScales(row: row, scales: open, records: records(row), otherSide: otherSide(row)) where open.contains(scale) {
                guard var next = executed.last(where: { $0.row == row && $0.scale == scale }) else { continue }
                next.repeatIndex += 1
                more.append(next)
            }
        }
        return more
    }
}
