#!/usr/bin/env python3
"""How often the interval `bpbench run` reports covers the true median when its adaptive repeats
stop as soon as an interval is narrow enough (PrecisionRule) — stopping on a narrow interval
picks the repeats that happen to agree, so the nominal level overstates the coverage. Simulates
rows of normal noise at several CVs: start at --min repeats, add one at a time until the
order-statistic interval of the median (MedianInterval) at the stopping level is within ±--width
of the median, or --max; then checks whether the interval at the reported level holds the true
median. Stdlib only.

The futility stop (PrecisionRule.narrowestReachable): after each repeat the rule also asks
whether any mix of further repeats up to --max, each repeating a value seen, could bring the
stopping interval within the width; if none could, the row stops unsettled. The second table
replays the same rows with and without it: repeats saved, and how many rows it stopped that the
rule without it would have settled by --max (false futility).

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


def half_width(values, level):
    """The interval's larger distance from the median, as a share of it (MedianInterval); None
    when too few values reach the level."""
    bounds = interval(values, level)
    if bounds is None: return None
    centre = median(values)
    half = max(centre - bounds[0], bounds[1] - centre)
    return 0.0 if half == 0 else half / abs(centre)


def reachable(values, high, level, width):
    """Whether some mix of 1 … high − n further repeats, each a copy of a value seen, brings the
    interval at `level` within `width` (PrecisionRule.narrowestReachable ≤ width)."""
    seen = sorted(values)
    centre = median(seen)
    # The most promising values first (nearest the median), so a hopeful row answers at once.
    order = sorted(range(len(seen)), key=lambda i: abs(seen[i] - centre))
    def mixes(left, index):
        if index == len(order) - 1:
            yield {order[index]: left}
            return
        for copies in range(left, -1, -1):
            for rest in mixes(left - copies, index + 1):
                rest[order[index]] = copies
                yield rest
    for added in range(high - len(seen), 0, -1):
        for mix in mixes(added, 0):
            sample = seen + [seen[i] for i, copies in mix.items() for _ in range(copies)]
            half = half_width(sample, level)
            if half is not None and half <= width: return True
    return False


def futility(cv, stop_level, width, low, high, rows, seed):
    """The same rows with and without the futility stop: (repeats without, repeats with, share
    settled without, share settled with, share stopped for futility that would have settled)."""
    rng = random.Random(seed)
    totals = [0, 0, 0, 0, 0]
    for _ in range(rows):
        draws = [rng.gauss(1, cv) for _ in range(high)]
        plain = futile_at = None
        for n in range(low, high + 1):
            half = half_width(draws[:n], stop_level)
            if half is not None and half <= width:
                plain = n
                break
            if futile_at is None and n < high and not reachable(draws[:n], high, stop_level, width): futile_at = n
        stop_plain = plain or high
        stop_with = min(stop_plain, futile_at) if futile_at else stop_plain
        settled_with = plain is not None and (futile_at is None or plain <= futile_at)
        totals[0] += stop_plain
        totals[1] += stop_with
        totals[2] += plain is not None
        totals[3] += settled_with
        totals[4] += plain is not None and not settled_with
    return [total / rows for total in totals]


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
    print()
    print(f"futility stop (stopping on 95 %): the same {args.rows} rows per CV without and with it")
    print("CV    | repeats without → with | settled without → with | stopped but would have settled")
    for cv in (0.02, 0.04, 0.06, 0.08, 0.15):
        plain, stopped, settled, settled_with, false = futility(cv, 0.95, args.width, args.min, args.max, args.rows, args.seed)
        print(f"{cv * 100:4.0f} % | {plain:4.2f} → {stopped:4.2f}            | {settled * 100:5.1f} % → {settled_with * 100:5.1f} %       | {false * 100:5.2f} %")


if __name__ == "__main__":
    main()
