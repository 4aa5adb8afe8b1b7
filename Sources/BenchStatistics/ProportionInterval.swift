import Foundation

/// An exact (Clopper–Pearson) confidence interval for a rate measured as `successes` of `trials`
/// independent tries: the gate proof's false-alarm rate (false alarms in unchanged checks) and
/// each injection kind's detection rate.
///
/// Why exact: the proof's counts are small and sit at the edges (0 false alarms in 30, 16 of 16
/// detected), where the normal approximation gives an interval of width zero — "0 of 30" would
/// read as a rate of exactly 0 %. Clopper–Pearson inverts the binomial test itself: the upper
/// bound is the rate at which seeing `successes` or fewer has probability (1 − level) / 2, so
/// its coverage is at least `level` for every true rate (conservative, never optimistic).
/// 0 of 30 at 95 % → [0, 11.57 %], the bound a claim of "no false alarms" actually has.
public struct ProportionInterval: Sendable, Equatable {
    public var successes: Int
    public var trials: Int
    /// The two-sided confidence level asked for, e.g. 0.95.
    public var level: Double
    public var lower: Double
    public var upper: Double

    /// The observed rate (0 when nothing was tried).
    public var estimate: Double { trials > 0 ? Double(successes) / Double(trials) : 0 }

    /// Nil when `trials` is 0 (no interval exists) or the counts or level are out of range.
    public init?(successes: Int, trials: Int, level: Double = 0.95) {
        guard trials > 0, successes >= 0, successes <= trials, level > 0, level < 1 else { return nil }
        self.successes = successes
        self.trials = trials
        self.level = level
        let tail = (1 - level) / 2
        // lower: P(X ≥ successes | p) = tail; upper: P(X ≤ successes | p) = tail. Both tails are
        // monotone in p, so bisection finds them to 1e-12 in ~40 halvings.
        lower = successes == 0 ? 0 : Self.solve { p in 1 - Self.binomialCDF(successes - 1, trials, p) >= tail }
        upper = successes == trials ? 1 : Self.solve { p in Self.binomialCDF(successes, trials, p) <= tail }
    }

    /// "0 of 30 (95 % CI 0–11.6 %)".
    public var description: String {
        "\(successes) of \(trials) (\(Self.percent(level)) CI \(Self.percent(lower))–\(Self.percent(upper)))"
    }

    /// A rate as a percentage with at most one decimal: 0.11569 → "11.6 %", 1 → "100 %".
    public static func percent(_ rate: Double) -> String {
        let value = (rate * 1000).rounded() / 10
        return (value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)) + " %"
    }

    /// P(X ≤ k) for X ~ Binomial(n, p), summed in log space (n up to thousands without overflow).
    static func binomialCDF(_ k: Int, _ n: Int, _ p: Double) -> Double {
        guard k >= 0 else { return 0 }
        guard k < n else { return 1 }
        if p <= 0 { return 1 }
        if p >= 1 { return 0 }
        var sum = 0.0
        for i in 0...k {
            let logTerm =
                lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) + Double(i) * log(p) + Double(
                    n - i) * log1p(-p)
            sum += exp(logTerm)
        }
        return min(sum, 1)
    }

    /// The boundary in [0, 1] where `below` turns from false to true (true above it).
    private static func solve(_ holds: (Double) -> Bool) -> Double {
        var low = 0.0
        var high = 1.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if holds(middle) { high = middle } else { low = middle }
        }
        return (low + high) / 2
    }
}
