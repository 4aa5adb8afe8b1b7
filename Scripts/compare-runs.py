#!/usr/bin/env python3
"""Compare two `bpbench run` folders row by row: do they agree in what a reader takes from them
(status per scale, growth verdict, every claim's outcome), and where did the time go (repeats and
children's wall-clock seconds per scale, the run's wall clock). Reads each folder's results.json
(verdicts, claims, summaries) and run.json (records with observed.wallS, start and finish).

Agreement, by default: the same rows with the same statuses, and no verdict or claim that
*contradicts* the other run's — bounded against grows-with-input or grows-with-time, holds against
does not hold. A decided answer against an undecided one (a verdict or claim `inconclusive` or
`not measured` in one run, decided in the other) is *less sure*, listed apart: two runs of the
same code differ that way in a few rows (run-to-run noise at 5-10 repeats), and it is no other
answer. Exit 0 when the runs agree, 1 on a contradiction, a row or claim only one run has, or a
status change, 66 when a folder lacks its files. `--strict`: exit 1 on any difference in status,
verdict or claims, less sure included (the old behaviour). Stdlib only.

  Scripts/compare-runs.py BEFORE_DIR AFTER_DIR [--markdown] [--strict]
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


# Answers that decide: a pair of different ones contradicts; against any other (inconclusive,
# not measured, no verdict) the run is only less sure.
DECIDED_VERDICTS = {"bounded", "grows-with-input", "grows-with-time"}
DECIDED_CLAIMS = {"holds", "does not hold"}


def difference(old, new, decided):
    """'same', 'contradicts' (two different decided answers) or 'less sure' (one decided, the
    other not; or neither decided and different)."""
    if old == new:
        return "same"
    if old in decided and new in decided:
        return "contradicts"
    return "less sure"


def compare_row(old, new):
    """How two runs' digests of one row differ: (status same?, verdict difference, claims that
    contradict, claims less sure, claims only one run has)."""
    claims = {"contradicts": [], "less sure": [], "only one": []}
    for text in sorted(set(old["claims"]) | set(new["claims"])):
        if text not in old["claims"] or text not in new["claims"]:
            claims["only one"].append(text)
            continue
        kind = difference(old["claims"][text], new["claims"][text], DECIDED_CLAIMS)
        if kind != "same":
            claims[kind].append(text)
    return old["status"] == new["status"], difference(old["verdict"], new["verdict"], DECIDED_VERDICTS), claims


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--markdown", action="store_true", help="a Markdown table instead of aligned text")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 on any difference in status, verdict or claims, less sure included")
    args = parser.parse_args()
    before, before_wall, before_count, scales = digest(args.before)
    after, after_wall, after_count, after_scales = digest(args.after)
    scales = sorted(set(scales) | set(after_scales))

    counts = collections.Counter()
    header = ["row", "status", "verdict", "claims"] + [f"×{scale:g} repeats" for scale in scales] + [
        f"×{scale:g} s" for scale in scales]
    lines = []
    for row in sorted(set(before) | set(after)):
        old, new = before.get(row), after.get(row)
        if old is None or new is None:
            counts["missing"] += 1
            lines.append([row, "only before ✗" if new is None else "only after ✗", "", ""] + [""] * 2 * len(scales))
            continue
        same_status, verdict_kind, claims = compare_row(old, new)
        counts["status"] += not same_status
        counts["verdict " + verdict_kind] += 1
        for kind, texts in claims.items():
            counts["claim " + kind] += len(texts)
        row_kinds = {verdict_kind} | {kind for kind, texts in claims.items() if texts}
        if not same_status or row_kinds & {"contradicts", "only one"}:
            counts["rows contradicting"] += 1
        elif "less sure" in row_kinds:
            counts["rows less sure"] += 1
        status = "same" if same_status else f"{sorted(old['status'].items())} → {sorted(new['status'].items())} ✗"
        mark = {"same": "", "contradicts": " ✗ contradicts", "less sure": " ~ less sure"}[verdict_kind]
        verdict = old["verdict"] if verdict_kind == "same" else f"{old['verdict']} → {new['verdict']}{mark}"
        notes = [f"'{text[:40]}…' {old['claims'].get(text)} → {new['claims'].get(text)}"
                 + {"contradicts": " ✗ contradicts", "less sure": " ~ less sure", "only one": " ✗ only one run"}[kind]
                 for kind, texts in claims.items() for text in texts]
        claims_cell = "; ".join(notes) if notes else f"{len(new['claims'])} same"
        repeats = [f"{old['repeats'].get(scale, 0)} → {new['repeats'].get(scale, 0)}" for scale in scales]
        times = [f"{old['seconds'].get(scale, 0):.1f} → {new['seconds'].get(scale, 0):.1f}" for scale in scales]
        lines.append([row, status, verdict, claims_cell] + repeats + times)

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

    rows = len(set(before) | set(after))
    disagree = counts["missing"] + counts["status"] + counts["verdict contradicts"] + counts["claim contradicts"] \
        + counts["claim only one"]
    less_sure = counts["verdict less sure"] + counts["claim less sure"]
    print(f"\n{rows} rows: {counts['missing']} only in one run, {counts['status']} with another status, "
          f"{counts['verdict contradicts']} verdict(s) and {counts['claim contradicts']} claim(s) contradicting, "
          f"{counts['claim only one']} claim(s) only one run has; less sure: {counts['verdict less sure']} verdict(s), "
          f"{counts['claim less sure']} claim(s) "
          f"({counts['rows contradicting'] + counts['missing']} row(s) disagree, {counts['rows less sure']} only less sure)")
    if disagree:
        print("the runs disagree")
    elif less_sure:
        print("the runs agree" + (" (--strict: they differ where one is less sure)" if args.strict else
                                  ", one less sure where listed"))
    else:
        print("the runs agree: same status, verdict and claims in every row")
    sys.exit(1 if disagree or (args.strict and less_sure) else 0)


if __name__ == "__main__":
    main()
