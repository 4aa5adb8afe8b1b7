import BenchModel
import BenchProtocol
import BenchStatistics
import Foundation

/// One seed claim, checked.
///
/// A claim on a median (a ratio, a share of the input, a rate) is judged on its interval, not on
/// the point: *holds* only when the whole interval lies inside the claim's range, *does not hold*
/// only when it lies wholly outside, *inconclusive* when the repeats cannot tell. A one-sided
/// statement ("as fast as") has a one-sided range. Claims on every repeat (a gauge's maximum, a
/// metric's value) read a fixed number of repeats per scale — the plan's minimum — so a row that
/// adaptive repeats ran longer for another figure does not get more chances to fail.
public struct ClaimOutcome: Codable, Sendable, Equatable {
    public enum Result: String, Codable, Sendable {
        case holds
        case doesNotHold = "does not hold"
        case inconclusive
        case notMeasured = "not measured"
    }

    /// The coverage of the intervals claims are judged on (two-sided; 95 % on each side).
    public static let level = 0.90

    /// The row the claim is about.
    public var scenario: RowID
    public var claim: SeedClaim
    public var result: Result
    /// The measured figure behind the result, in words.
    public var measured: String

    /// - Parameter everyRepeatCount: how many repeats per scale the every-repeat claims read (the
    ///   plan's fixed count, or its adaptive minimum); nil reads them all.
    static func evaluate(
        _ claims: [String: [SeedClaim]], summaries: ScenarioSummaries, verdicts: [RowID: GrowthVerdict],
        everyRepeatCount: Int? = nil
    ) -> [ClaimOutcome] {
        var outcomes: [ClaimOutcome] = []
        for spelling in claims.keys.sorted() {
            let scenario = RowID(spelling)
            for claim in claims[spelling] ?? [] {
                let (result, measured) = check(
                    claim.check, scenario: scenario, summaries: summaries, verdict: verdicts[scenario],
                    everyRepeatCount: everyRepeatCount)
                outcomes.append(ClaimOutcome(scenario: scenario, claim: claim, result: result, measured: measured))
            }
        }
        return outcomes
    }

    static func check(
        _ check: SeedClaim.Check, scenario: RowID, summaries: ScenarioSummaries, verdict: GrowthVerdict?,
        everyRepeatCount: Int? = nil
    ) -> (Result, String) {
        let mine = summaries.of(scenario)
        guard let largest = mine.max(by: { $0.scale < $1.scale }) else {
            return (.notMeasured, "scenario not in this run")
        }
        let measured = largest.records.filter { $0.status.isMeasurement }
        let every = mine.flatMap { summary in
            everyRepeatCount.map { count in summary.records.filter { $0.repeatIndex <= count } } ?? summary.records
        }
        switch check {
        // These are judged on every repeat that reported.
        case .gaugeAtMostParameter, .gaugeAtMostSum, .metricEquals, .metricAtMost: break
        default: guard !measured.isEmpty else { return (.notMeasured, "no ok repeat (status \(largest.status))") }
        }
        switch check {
        case .memoryBounded, .memoryGrows:
            guard let verdict, verdict.kind != .unknown else {
                return (.notMeasured, verdict.map { "\($0.kind.rawValue): \($0.explanation)" } ?? "no verdict")
            }
            // The repeats could not tell bounded from growing: neither answer is measured.
            if verdict.kind == .inconclusive {
                return (.inconclusive, "\(verdict.kind.rawValue): \(verdict.explanation)")
            }
            let grows = verdict.kind == .grows || verdict.kind == .growsWithTime
            let holds = check == .memoryBounded ? verdict.kind == .bounded : grows
            return (holds ? .holds : .doesNotHold, "\(verdict.kind.rawValue): \(verdict.explanation)")
        case .peakAllocatedPerInputByte(let low, let high):
            guard let input = largest.inputBytes, input > 0,
                let interval = MedianInterval(largest.samples(.peakAllocated).map { $0 / input }, level: Self.level)
            else {
                return (
                    .notMeasured,
                    largest.median(.peakAllocated) == nil
                        ? "no input bytes" : "too few repeats for a \(Int(Self.level * 100)) % interval"
                )
            }
            let text = String(
                format: "peak allocated %@ for %@ moved = %.2f × input (%.2f–%.2f)",
                Format.bytes(interval.median * input),
                Format.bytes(input), interval.median, interval.lower, interval.upper)
            return (judge(interval.lower, interval.upper, within: low, high), text)
        case .throughputRatio(let other, let low, let high):
            return throughputRatio(largest, over: other, within: low, high, summaries: summaries)
        case .throughputRatioAtLeast(let other, let low):
            return throughputRatio(largest, over: other, within: low, .infinity, summaries: summaries)
        case .gaugeAtMostParameter(let gauge, let parameter):
            return gaugeAtMost(gauge, limitText: parameter, records: every) { Double($0[parameter] ?? "") }
        case .gaugeAtMostSum(let gauge, let parameters, let plus):
            let text = (parameters + (plus != 0 ? [Format.count(plus)] : [])).joined(separator: " + ")
            return gaugeAtMost(gauge, limitText: text, records: every) { values in
                let terms = parameters.map { values[$0].flatMap { Double($0) } }
                return terms.contains(nil) ? nil : terms.compactMap { $0 }.reduce(plus, +)
            }
        case .throughputAtLeast(let fraction, let parameter, let metric):
            guard let interval = MedianInterval(largest.samples(.throughputItems), level: Self.level),
                let factor = measured.first?.parameters[parameter].flatMap({ Double($0) }),
                let base = Spread(measured.compactMap { $0.metrics[metric] })?.median
            else {
                return (
                    .notMeasured,
                    largest.median(.throughputItems) == nil
                        ? "\(parameter) or \(metric) missing"
                        : "too few repeats for a \(Int(Self.level * 100)) % interval"
                )
            }
            let expected = factor * base
            guard expected > 0 else { return (.notMeasured, "\(parameter) × \(metric) is 0 (unbounded mode)") }
            return (
                judge(interval.lower, interval.upper, within: fraction * expected, .infinity),
                String(
                    format: "%@ items/s (%@–%@) = %.2f × (%@ × %@ = %@ items/s)", Format.count(interval.median),
                    Format.count(interval.lower),
                    Format.count(interval.upper), interval.median / expected, parameter, Format.count(base),
                    Format.count(expected))
            )
        case .metricEquals(let metric, let value):
            // Every repeat that reported the metric, failed ones included: a run that lost
            // events ends failed-verification, and that is exactly when the claim must say no.
            let values = every.compactMap { $0.metrics[metric] }
            guard !values.isEmpty else { return (.notMeasured, "metric \(metric) missing") }
            let bad = values.filter { $0 != value }
            let text =
                bad.isEmpty
                ? "\(metric) = \(Format.count(value)) in all \(values.count) repeats"
                : "\(metric) = \(bad.map { Format.count($0) }.joined(separator: ", ")) in \(bad.count) of \(values.count) repeats"
            return (bad.isEmpty ? .holds : .doesNotHold, text)
        case .metricAtMost(let metric, let limit):
            let values = every.compactMap { $0.metrics[metric] }
            guard let worst = values.max() else { return (.notMeasured, "metric \(metric) missing") }
            let text =
                "\(metric) at most \(String(format: "%.4g", worst)) over \(values.count) repeats (limit \(String(format: "%.4g", limit)))"
            return (worst <= limit ? .holds : .doesNotHold, text)
        }
    }

    /// An interval against a claim's range: inside → holds, wholly outside → does not hold.
    static func judge(_ lower: Double, _ upper: Double, within low: Double, _ high: Double) -> Result {
        if lower >= low && upper <= high { return .holds }
        if upper < low || lower > high { return .doesNotHold }
        return .inconclusive
    }

    /// `summary`'s throughput over `other`'s at the same scale, judged on ``RatioInterval``.
    static func throughputRatio(
        _ summary: ScenarioSummary, over other: String, within low: Double, _ high: Double,
        summaries: ScenarioSummaries
    ) -> (Result, String) {
        guard let base = summaries.summary(RowID(other), scale: summary.scale),
            base.median(.throughputBytes) != nil
        else {
            return (.notMeasured, "\(other) has no ok run at this scale")
        }
        guard
            let ratio = RatioInterval(
                summary.samples(.throughputBytes), over: base.samples(.throughputBytes), level: level)
        else {
            return (.notMeasured, "too few repeats for a \(Int(level * 100)) % interval of the ratio")
        }
        let range = high.isInfinite ? String(format: "claim ≥ %.2f", low) : String(format: "claim %.2f–%.2f", low, high)
        return (
            judge(ratio.lower, ratio.upper, within: low, high),
            String(
                format: "%.3f × %@'s throughput (%.3f–%.3f; %@)", ratio.estimate, other, ratio.lower, ratio.upper, range
            )
        )
    }
}
