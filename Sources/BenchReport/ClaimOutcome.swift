import BenchCore
import BenchProtocol
import Foundation

/// One seed claim, checked.
public struct ClaimOutcome: Codable, Sendable, Equatable {
    public enum Result: String, Codable, Sendable {
        case holds
        case doesNotHold = "does not hold"
        case notMeasured = "not measured"
    }

    public var scenario: String
    public var claim: SeedClaim
    public var result: Result
    /// The measured figure behind the result, in words.
    public var measured: String

    static func evaluate(_ claims: [String: [SeedClaim]], summaries: [ScenarioSummary], verdicts: [String: GrowthVerdict]) -> [ClaimOutcome] {
        var outcomes: [ClaimOutcome] = []
        for scenario in claims.keys.sorted() {
            for claim in claims[scenario] ?? [] {
                let (result, measured) = check(claim.check, scenario: scenario, summaries: summaries, verdict: verdicts[scenario])
                outcomes.append(ClaimOutcome(scenario: scenario, claim: claim, result: result, measured: measured))
            }
        }
        return outcomes
    }

    static func check(_ check: SeedClaim.Check, scenario: String, summaries: [ScenarioSummary], verdict: GrowthVerdict?) -> (Result, String) {
        let mine = summaries.filter { $0.scenario == scenario }
        guard let largest = mine.max(by: { $0.scale < $1.scale }) else { return (.notMeasured, "scenario not in this run") }
        let measured = largest.records.filter { $0.status.isMeasurement }
        let every = mine.flatMap(\.records)
        switch check {
        case .gaugeAtMostParameter, .gaugeAtMostSum, .metricEquals, .metricAtMost: break  // judged on every repeat that reported
        default: guard !measured.isEmpty else { return (.notMeasured, "no ok repeat (status \(largest.status))") }
        }
        switch check {
        case .memoryBounded, .memoryGrows:
            guard let verdict, verdict.kind != .unknown, verdict.kind != .inconclusive else {
                return (.notMeasured, verdict.map { "\($0.kind.rawValue): \($0.explanation)" } ?? "no verdict")
            }
            let grows = verdict.kind == .grows || verdict.kind == .growsWithTime
            let holds = check == .memoryBounded ? verdict.kind == .bounded : grows
            return (holds ? .holds : .doesNotHold, "\(verdict.kind.rawValue): \(verdict.explanation)")
        case .peakAllocatedPerInputByte(let low, let high):
            guard let allocated = largest.median(.peakAllocated), let input = largest.inputBytes, input > 0 else { return (.notMeasured, "no input bytes") }
            let ratio = allocated / input
            let text = String(format: "peak allocated %@ for %@ moved = %.2f × input", Format.bytes(allocated), Format.bytes(input), ratio)
            return ((low...high).contains(ratio) ? .holds : .doesNotHold, text)
        case .throughputRatio(let other, let low, let high):
            guard let base = summaries.first(where: { $0.scenario == other && $0.scale == largest.scale })?.median(.throughputBytes),
                  let mineValue = largest.median(.throughputBytes), base > 0 else { return (.notMeasured, "\(other) has no ok run at this scale") }
            let ratio = mineValue / base
            return ((low...high).contains(ratio) ? .holds : .doesNotHold, String(format: "%.3f × %@'s throughput", ratio, other))
        case .gaugeAtMostParameter(let gauge, let parameter):
            return gaugeAtMost(gauge, limitText: parameter, records: every) { Double($0[parameter] ?? "") }
        case .gaugeAtMostSum(let gauge, let parameters, let plus):
            let text = (parameters + (plus != 0 ? [Format.count(plus)] : [])).joined(separator: " + ")
            return gaugeAtMost(gauge, limitText: text, records: every) { values in
                let terms = parameters.map { values[$0].flatMap { Double($0) } }
                return terms.contains(nil) ? nil : terms.compactMap { $0 }.reduce(plus, +)
            }
        case .throughputAtLeast(let fraction, let parameter, let metric):
            guard let rate = largest.median(.throughputItems),
                  let factor = measured.first?.parameters[parameter].flatMap({ Double($0) }),
                  let base = Spread(measured.compactMap { $0.metrics[metric] })?.median else { return (.notMeasured, "\(parameter) or \(metric) missing") }
            let expected = factor * base
            guard expected > 0 else { return (.notMeasured, "\(parameter) × \(metric) is 0 (unbounded mode)") }
            return (rate >= fraction * expected ? .holds : .doesNotHold,
                    String(format: "%@ items/s = %.2f × (%@ × %@ = %@ items/s)", Format.count(rate), rate / expected, parameter, Format.count(base), Format.count(expected)))
        case .metricEquals(let metric, let value):
            // Every repeat that reported the metric, failed ones included: a run that lost
            // events ends failed-verification, and that is exactly when the claim must say no.
            let values = every.compactMap { $0.metrics[metric] }
            guard !values.isEmpty else { return (.notMeasured, "metric \(metric) missing") }
            let bad = values.filter { $0 != value }
            let text = bad.isEmpty
                ? "\(metric) = \(Format.count(value)) in all \(values.count) repeats"
                : "\(metric) = \(bad.map { Format.count($0) }.joined(separator: ", ")) in \(bad.count) of \(values.count) repeats"
            return (bad.isEmpty ? .holds : .doesNotHold, text)
        case .metricAtMost(let metric, let limit):
            let values = every.compactMap { $0.metrics[metric] }
            guard let worst = values.max() else { return (.notMeasured, "metric \(metric) missing") }
            let text = "\(metric) at most \(String(format: "%.4g", worst)) over \(values.count) repeats (limit \(String(format: "%.4g", limit)))"
            return (worst <= limit ? .holds : .doesNotHold, text)
        }
    }
}
