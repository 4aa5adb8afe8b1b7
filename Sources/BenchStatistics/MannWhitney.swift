import Foundation

/// The Mann–Whitney U test (Wilcoxon rank-sum): is one sample of repeats stochastically larger
/// than another? It assumes nothing about the shape of the noise — benchmark timings are skewed
/// and memory peaks are lumpy — only that repeats are independent.
///
/// Why this test: the gate compares 3–10 repeats per side. A t-test's normality assumption does
/// not hold for such samples, and a bootstrap of 5 values has too few distinct resamples to give
/// an interval worth the name. U's exact null distribution is cheap to count at these sizes, so
/// the p-value is exact, not an approximation — with ties too (conditional on them, by midranks).
///
/// Its floor matters for the plan: with n repeats per side the smallest one-sided p-value is
/// 1 / C(2n, n) — 0.05 at n = 3, 0.014 at n = 4, 0.004 at n = 5. The gate's α = 0.01 therefore
/// needs at least 5 repeats per side (quick checks use 5); with fewer, nothing can be significant,
/// and the gate says so rather than passing silently.
public enum MannWhitney {
    /// The U statistic of `x` against `y`: pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counted ½.
    public static func u(_ x: [Double], _ y: [Double]) -> Double {
        var u = 0.0
        for a in x {
            for b in y {
                if a > b { u += 1 } else if a == b { u += 0.5 }
            }
        }
        return u
    }

    /// One-sided p-value for "`larger` tends to be greater than `smaller`": the probability,
    /// with no difference, of a U at least as large as the one seen. Exact for up to 400 pairs,
    /// the normal approximation (with continuity correction) above.
    ///
    /// With tied values the p-value is exact too: the permutation distribution of the rank sum
    /// conditional on the ties (midranks), not the no-ties distribution, which reads tied
    /// samples as more significant than they are (head [1,2,2,2,2] against base [0,0,0,1,1]:
    /// 0.0079 from the no-ties table, 0.0119 exactly).
    public static func pGreater(_ larger: [Double], than smaller: [Double]) -> Double {
        let pooled = larger + smaller
        if !larger.isEmpty, !smaller.isEmpty, pooled.count <= 60, Set(pooled).count < pooled.count {
            return pGreaterWithTies(larger, than: smaller)
        }
        return p(u: u(larger, smaller), larger.count, smaller.count)
    }

    /// P(rank sum of `larger` ≥ the one seen) over every way of choosing `larger.count` of the
    /// pooled midranks: counted by a subset-sum table over doubled midranks (integers), so
    /// n + m = 20 costs ~10⁵ steps instead of 184,756 enumerated splits.
    static func pGreaterWithTies(_ larger: [Double], than smaller: [Double]) -> Double {
        let sorted = (larger + smaller).sorted()
        var doubledRank: [Double: Int] = [:]
        var start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count, sorted[end + 1] == sorted[start] { end += 1 }
            doubledRank[sorted[start]] = (start + 1) + (end + 1)  // 2 × the mean of ranks start+1 … end+1
            start = end + 1
        }
        let ranks = (larger + smaller).map { doubledRank[$0]! }
        let observed = larger.reduce(0) { $0 + doubledRank[$1]! }
        let n = larger.count
        let total = ranks.reduce(0, +)
        // ways[k][s]: subsets of k pooled values whose doubled ranks sum to s.
        var ways = [[Double]](repeating: [Double](repeating: 0, count: total + 1), count: n + 1)
        ways[0][0] = 1
        for (index, rank) in ranks.enumerated() {
            for k in stride(from: min(n, index + 1), through: 1, by: -1) {
                for sum in stride(from: total, through: rank, by: -1) where ways[k - 1][sum - rank] > 0 {
                    ways[k][sum] += ways[k - 1][sum - rank]
                }
            }
        }
        let all = ways[n].reduce(0, +)
        return min(1, ways[n][observed...].reduce(0, +) / all)
    }

    /// P(U ≥ `observed`) with no difference, for samples of `n` and `m` repeats.
    public static func p(u observed: Double, _ n: Int, _ m: Int) -> Double {
        guard n > 0, m > 0 else { return 1 }
        if n * m <= 400 {
            let counts = exactDistribution(n, m)
            let total = counts.reduce(0, +)
            // P(U ≥ observed); U takes integer values, a tie's ½ rounds towards the conservative side.
            let threshold = Int(observed.rounded(.down))
            let tail = counts[min(threshold, counts.count - 1)...].reduce(0, +)
            return min(1, tail / total)
        }
        let mean = Double(n * m) / 2
        let sd = (Double(n * m * (n + m + 1)) / 12).squareRoot()
        let z = (observed - mean - 0.5) / sd
        return 0.5 * erfc(z / 2.0.squareRoot())
    }

    /// The fewest repeats a side (each the same count) with which a one-sided p can go below
    /// `alpha`: 5 at 0.01, 7 at 0.001.
    ///
    /// With `absorbing` k, the fewest with which p still goes below `alpha` when k of the larger
    /// side's repeats fall below every repeat of the other (U = n² − k·n): the count at which k
    /// disturbed repeats no longer decide the test. At α = 0.01: 5 for none, 8 for one (7 + 7
    /// with one reads p = 0.0131 — issue 25's false alarm), 11 for two (10 + 10 with two: 0.0116).
    public static func repeatsNeeded(alpha: Double, absorbing outliers: Int = 0) -> Int {
        var repeats = max(1, outliers + 1)
        while p(u: Double(repeats * (repeats - outliers)), repeats, repeats) >= alpha, repeats < 20 { repeats += 1 }
        return repeats
    }

    /// The smallest one-sided p-value samples of these sizes can reach.
    public static func smallestP(_ n: Int, _ m: Int) -> Double {
        guard n > 0, m > 0 else { return 1 }
        let counts = exactDistribution(min(n, 20), min(m, 20))
        return counts.last! / counts.reduce(0, +)
    }

    /// Number of arrangements of n + m distinct values giving each U = 0 … n·m (as Doubles, so
    /// C(40, 20) does not overflow). The recurrence counts by the largest value's side.
    static func exactDistribution(_ n: Int, _ m: Int) -> [Double] {
        // table[i][j] = distribution for sizes (i, j)
        var table = [[[Double]]](repeating: [[Double]](repeating: [], count: m + 1), count: n + 1)
        for i in 0...n {
            for j in 0...m {
                if i == 0 || j == 0 {
                    table[i][j] = [1]
                    continue
                }
                var counts = [Double](repeating: 0, count: i * j + 1)
                // Largest value from x: it beats all j of y.
                for (u, c) in table[i - 1][j].enumerated() { counts[u + j] += c }
                // Largest value from y: it adds nothing to U.
                for (u, c) in table[i][j - 1].enumerated() { counts[u] += c }
                table[i][j] = counts
            }
        }
        return table[n][m]
    }
}
