#!/usr/bin/env python3
"""What the in-child sampler costs a row: the same row run with the sampler on and off, one
repeat at a time, alternating (which one goes first flips every round), so a drift in the
machine's load falls on both alike. Prints both medians, the relative difference and the
one-sided Mann–Whitney p for "slower with the sampler".

  Scripts/sampler-cost.py [--row pipeline-copy/unthrottled] [--rounds 20] [--scale 4] [--interval 1]

Needs a release build (make build). Exit 0 unless a run fails.
"""
import argparse, csv, os, statistics, subprocess, sys, tempfile


def throughput(bpbench, root, row, scale, interval, out):
    args = [bpbench, "run", "--root", root, "--scenario", row, "--repeat", "1", "--warmup", "0", "--scale", str(scale),
            "--sample-interval-ms", str(interval), "--quiet", "--out", out]
    done = subprocess.run(args, capture_output=True, text=True)
    rows = list(csv.DictReader(open(os.path.join(out, "results.csv")))) if os.path.exists(os.path.join(out, "results.csv")) else []
    if done.returncode != 0 or not rows or rows[0]["status"] != "ok":
        sys.exit(f"sampler-cost: {row} with --sample-interval-ms {interval} did not end ok: {done.stderr.strip()[-300:]}")
    return float(rows[0]["throughput_bytes_per_s"]), float(rows[0].get("sampler_ticks") or 0)


def u_distribution(n, m):
    """How many arrangements of n + m distinct values give each U = 0 … n·m (MannWhitney.swift's recurrence)."""
    table = [[[1] if i == 0 or j == 0 else None for j in range(m + 1)] for i in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            counts = [0] * (i * j + 1)
            for k, c in enumerate(table[i - 1][j]): counts[k + j] += c
            for k, c in enumerate(table[i][j - 1]): counts[k] += c
            table[i][j] = counts
    return table[n][m]


def p_greater(larger, smaller):
    """Exact one-sided Mann–Whitney p: P(U ≥ observed) with no difference (ties count ½)."""
    u = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in larger for b in smaller)
    counts = u_distribution(len(larger), len(smaller))
    return u, sum(counts[int(u):]) / sum(counts)


def ratio_interval(x, y, level=0.90):
    """Hodges–Lehmann estimate of x/y (median of the pairwise ratios) with Moses' interval, the
    one bpbench's claims use (Sources/BenchStatistics/RatioInterval.swift)."""
    import math
    logs = sorted(math.log(a) - math.log(b) for a in x for b in y)
    counts = u_distribution(len(x), len(y))
    total, tail, k = sum(counts), 0, 0
    for c in counts:
        if (tail + c) / total > (1 - level) / 2: break
        tail += c
        k += 1
    middle = statistics.median(logs)
    return math.exp(middle), math.exp(logs[k - 1]), math.exp(logs[len(logs) - k])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--row", default="pipeline-copy/unthrottled")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--scale", default="4")
    parser.add_argument("--interval", default="1", help="the sampler's interval when on, ms")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    options = parser.parse_args()
    bpbench = os.path.join(options.root, ".build/release/bpbench")
    on, off, ticks = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(options.rounds):
            order = [options.interval, "0"] if index % 2 == 0 else ["0", options.interval]
            for interval in order:
                value, tick_count = throughput(bpbench, options.root, options.row, options.scale, interval, f"{scratch}/{index}-{interval}")
                (off if interval == "0" else on).append(value)
                if interval != "0": ticks.append(tick_count)
            print(f"round {index + 1}/{options.rounds}: on {on[-1] / 2**20:.0f} MiB/s, off {off[-1] / 2**20:.0f} MiB/s", file=sys.stderr)
    median_on, median_off = statistics.median(on), statistics.median(off)
    u, p = p_greater(off, on)
    print(f"{options.row} ×{options.scale}, {options.rounds} rounds, sampler on at {options.interval} ms (median {statistics.median(ticks):.0f} ticks a run) vs off:")
    print(f"  on  {median_on / 2**20:.1f} MiB/s (range {min(on) / 2**20:.0f}–{max(on) / 2**20:.0f})")
    print(f"  off {median_off / 2**20:.1f} MiB/s (range {min(off) / 2**20:.0f}–{max(off) / 2**20:.0f})")
    print(f"  difference {100 * (median_on / median_off - 1):+.1f} % of the off median; one-sided Mann–Whitney U = {u:g} of {len(on) * len(off)}, p = {p:.3f}")
    estimate, lower, upper = ratio_interval(on, off)
    print(f"  on ÷ off {estimate:.3f} (90 % interval {lower:.3f}–{upper:.3f})")


if __name__ == "__main__":
    main()
