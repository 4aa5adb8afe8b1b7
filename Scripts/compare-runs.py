#!/usr/bin/env python3
"""Compare two `bpbench run` folders row by row: what a reader takes from them must be the same
(status per scale, growth verdict, every claim's outcome), and where the time went may differ
(repeats and children's wall-clock seconds per scale, the run's wall clock). Reads each folder's
results.json (verdicts, claims, summaries) and run.json (records with observed.wallS, start and
finish). Exit 0 when every row's status, verdict and claims agree, 1 when any differs, 66 when a
folder lacks its files. Stdlib only.

  Scripts/compare-runs.py BEFORE_DIR AFTER_DIR [--markdown]
"""
import argparse, collections, datetime, json, os, sys


def load(folder):
    documents = []
    for name in ("results.json", "run.json"):
        path = os.path.join(folder, name)
        try:
            with open(path) as handle:
                documents.append(json.load(handle))
        except (OSError, ValueError) as error:
            print(f"compare-runs: cannot read {path}: {error}", file=sys.stderr)
            sys.exit(66)
    return documents


def seconds(stamp):
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def digest(folder):
    """Per row: statuses by scale, verdict, claims (text → result); per (row, scale): repeats and
    children's seconds; the run's wall clock and child count (warm-ups are not recorded)."""
    results, run = load(folder)
    rows = collections.defaultdict(lambda: {"status": {}, "claims": {}, "verdict": None, "repeats": {}, "seconds": {}})
    for summary in results["summaries"]:
        rows[summary["scenario"]]["status"][summary["scale"]] = summary["status"]
    for row, verdict in results.get("verdicts", {}).items():
        rows[row]["verdict"] = verdict.get("kind")
    for claim in results.get("claims", []):
        rows[claim["scenario"]]["claims"][claim["claim"]["text"]] = claim["result"]
    for record in run["records"]:
        cell = rows[record["scenario"]]
        scale = record["scale"]
        cell["repeats"][scale] = cell["repeats"].get(scale, 0) + 1
        cell["seconds"][scale] = cell["seconds"].get(scale, 0.0) + record["observed"]["wallS"]
    wall = seconds(run["finishedAt"]) - seconds(run["startedAt"])
    return rows, wall, len(run["records"]), sorted({record["scale"] for record in run["records"]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--markdown", action="store_true", help="a Markdown table instead of aligned text")
    args = parser.parse_args()
    before, before_wall, before_count, scales = digest(args.before)
    after, after_wall, after_count, after_scales = digest(args.after)
    scales = sorted(set(scales) | set(after_scales))

    differ = 0
    header = ["row", "status", "verdict", "claims"] + [f"×{scale:g} repeats" for scale in scales] + [
        f"×{scale:g} s" for scale in scales]
    lines = []
    for row in sorted(set(before) | set(after)):
        old, new = before.get(row), after.get(row)
        if old is None or new is None:
            differ += 1
            lines.append([row, "only before" if new is None else "only after", "", ""] + [""] * 2 * len(scales))
            continue
        same_status = old["status"] == new["status"]
        same_verdict = old["verdict"] == new["verdict"]
        changed = [text for text in set(old["claims"]) | set(new["claims"])
                   if old["claims"].get(text) != new["claims"].get(text)]
        differ += (not same_status) + (not same_verdict) + (len(changed) > 0)
        status = "same" if same_status else f"{sorted(old['status'].items())} → {sorted(new['status'].items())}"
        verdict = old["verdict"] if same_verdict else f"{old['verdict']} → {new['verdict']} ✗"
        claims = (f"{len(new['claims'])} same" if not changed else
                  "; ".join(f"'{text[:40]}…' {old['claims'].get(text)} → {new['claims'].get(text)} ✗" for text in changed))
        repeats = [f"{old['repeats'].get(scale, 0)} → {new['repeats'].get(scale, 0)}" for scale in scales]
        times = [f"{old['seconds'].get(scale, 0):.1f} → {new['seconds'].get(scale, 0):.1f}" for scale in scales]
        lines.append([row, status, verdict, claims] + repeats + times)

    totals = ["all rows", f"wall {before_wall:.0f} s → {after_wall:.0f} s", "", f"recorded {before_count} → {after_count}"]
    totals += [f"{sum(r['repeats'].get(s, 0) for r in before.values())} → {sum(r['repeats'].get(s, 0) for r in after.values())}"
               for s in scales]
    totals += [f"{sum(r['seconds'].get(s, 0) for r in before.values()):.0f} → {sum(r['seconds'].get(s, 0) for r in after.values()):.0f}"
               for s in scales]
    lines.append(totals)
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines: print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(str(line[i])) for line in lines + [header]) for i in range(len(header))]
        for line in [header] + lines:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())
    print(f"\n{differ} difference(s) in status, verdict or claims" if differ else "\nsame status, verdict and claims in every row")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
