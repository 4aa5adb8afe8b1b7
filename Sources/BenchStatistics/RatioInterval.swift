import Foundation

/// A distribution-free confidence interval for the ratio of two rows' figures (e.g. one
/// strategy's throughput over another's, measured in the same run): the Hodges–Lehmann estimate
/// of the shift between the logarithms — the median of every pairwise log ratio log xᵢ − log yⱼ —
/// with Moses' interval [d₍ₖ₎, d₍ₙₘ₊₁₋ₖ₎] over those n·m ratios, k taken from the exact
/// Mann–Whitney null distribution, mapped back by exp.
///
/// Why this interval: a claim like "as fast as the pipeline" is about the ratio, and the ratio of
/// two medians has no interval of its own; this one is the interval the Mann–Whitney test already
/// used by the gate inverts to, so it assumes nothing about the noise's shape and is exact at
/// 5 + 5 repeats (k = 5 of 25 ratios for 90.5 % coverage). Positive figures only.
public struct RatioInterval: Sendable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// The interval's actual two-sided coverage (≥ the level asked for).
    public var coverage: Double

    /// Nil when either side is empty, holds a non-positive figure, or is too small for any
    /// interval at `level` (at 90 %, 3 + 3 repeats is the least).
    public init?(_ x: [Double], over y: [Double], level: Double) {
        guard !x.isEmpty, !y.isEmpty, x.allSatisfy({ $0 > 0 }), y.allSatisfy({ $0 > 0 }) else { return nil }
        var logs: [Double] = []
        logs.reserveCapacity(x.count * y.count)
        for a in x { for b in y { logs.append(log(a) - log(b)) } }
        logs.sort()
        let n = logs.count
        // k − 1 = the largest u with P(U ≤ u) ≤ (1 − level) / 2 under no difference.
        let counts = MannWhitney.exactDistribution(min(x.count, 20), min(y.count, 20))
        let total = counts.reduce(0, +)
        var tail = 0.0
        var k = 0
        // A hair of tolerance: (1 − 0.90) / 2 is 0.04999… in binary, and 3 + 3 repeats' exact
        // tail 1/20 must count as within it.
        for count in counts {
            guard (tail + count) / total <= (1 - level) / 2 + 1e-12 else { break }
            tail += count
            k += 1
        }
        guard k >= 1, x.count <= 20, y.count <= 20 else { return nil }
        let middle = n % 2 == 1 ? logs[n / 2] : (logs[n / 2 - 1] + logs[n / 2]) / 2
        estimate = exp(middle)
        lower = exp(logs[k - 1])
        upper = exp(logs[n - k])
        coverage = 1 - 2 * tail / total
    }
}
