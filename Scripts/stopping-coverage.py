#!/usr/bin/env python3
"""How often the interval `bpbench run` reports covers the true median when its adaptive repeats
stop as soon as an interval is narrow enough (PrecisionRule) — stopping on a narrow interval
picks the repeats that happen to agree, so the nominal level overstates the coverage. Simulates
rows of normal noise at several CVs: start at --min repeats, add one at a time until the
order-statistic interval of the median (MedianInterval) at the stopping level is within ±--width
of the median, or --max; then checks whether the interval at the reported level holds the true
median. Stdlib only.

  Scripts/stopping-coverage.py [--rows 20000] [--width 0.05] [--min 5] [--max 10]
"""
import argparse, math, random


def coverage(n, k):
    """Coverage of [x(k), x(n+1-k)] for the median of n independent repeats."""
    return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n


def interval(values, level):
    ordered = sorted(values)
    n = len(ordered)
    k = n // 2
    while k >= 1 and coverage(n, k) < level: k -= 1
    return (ordered[k - 1], ordered[n - k]) if k >= 1 else None


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def simulate(cv, stop_level, report_level, width, low, high, rows, seed):
    rng = random.Random(seed)
    covered = repeats = 0
    for _ in range(rows):
        values = [rng.gauss(1, cv) for _ in range(low)]
        while True:
            stop = interval(values, stop_level)
            centre = median(values)
            if stop and max(centre - stop[0], stop[1] - centre) / abs(centre) <= width: break
            if len(values) >= high: break
            values.append(rng.gauss(1, cv))
        reported = interval(values, report_level)
        repeats += len(values)
        if reported and reported[0] <= 1 <= reported[1]: covered += 1
    return covered / rows, repeats / rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--width", type=float, default=0.05)
    parser.add_argument("--min", type=int, default=5)
    parser.add_argument("--max", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"reported 90 % interval, ±{args.width * 100:.0f} %, {args.min}–{args.max} repeats, {args.rows} rows per cell")
    print("CV    | stop on 90 %: coverage, repeats | stop on 95 %: coverage, repeats")
    for cv in (0.02, 0.04, 0.06, 0.08, 0.15):
        ninety = simulate(cv, 0.90, 0.90, args.width, args.min, args.max, args.rows, args.seed)
        ninety_five = simulate(cv, 0.95, 0.90, args.width, args.min, args.max, args.rows, args.seed)
        print(f"{cv * 100:4.0f} % | {ninety[0] * 100:5.1f} %, {ninety[1]:4.1f}              | {ninety_five[0] * 100:5.1f} %, {ninety_five[1]:4.1f}")


if __name__ == "__main__":
    main()
