#!/usr/bin/env python3
"""Tests of Scripts/compare-runs.py over synthetic run folders (results.json + run.json, only the
fields it reads), each difference tried both ways round (BEFORE AFTER and AFTER BEFORE): a
contradicting verdict or claim, a status change, a missing row or claim make the runs disagree
(exit 1); decided against inconclusive is only *less sure* (exit 0, exit 1 with --strict).
Stdlib only: `python3 Scripts/test-compare-runs.py`.
"""
import copy, json, os, subprocess, sys, tempfile, unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare-runs.py")

# Two rows: one with a growth verdict and a claim, one plain.
BASE = {
    "summaries": [
        {"scenario": "manual-drain/unthrottled", "scale": 1, "status": "ok"},
        {"scenario": "manual-drain/unthrottled", "scale": 4, "status": "ok"},
        {"scenario": "pipeline-copy", "scale": 1, "status": "ok"},
        {"scenario": "pipeline-copy", "scale": 4, "status": "ok"},
    ],
    "verdicts": {"manual-drain/unthrottled": {"kind": "bounded"}, "pipeline-copy": {"kind": "bounded"}},
    "claims": [{"scenario": "manual-drain/unthrottled", "claim": {"text": "as fast as the pipeline"},
                "result": "holds"}],
}


def changed(edit):
    """BASE with `edit(results)` applied to a deep copy."""
    results = copy.deepcopy(BASE)
    edit(results)
    return results


def set_verdict(kind):
    return lambda results: results["verdicts"]["manual-drain/unthrottled"].update(kind=kind)


def set_claim(result):
    return lambda results: results["claims"][0].update(result=result)


class CompareRunsTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)

    def folder(self, name, results):
        path = tempfile.mkdtemp(prefix=name + "-", dir=self.directory.name)
        records = [{"scenario": s["scenario"], "scale": s["scale"], "observed": {"wallS": 1.5}}
                   for s in results["summaries"]]
        run = {"startedAt": "2026-12-02T12:00:00Z", "finishedAt": "2026-12-02T12:10:00Z", "records": records}
        for file, document in (("results.json", results), ("run.json", run)):
            with open(os.path.join(path, file), "w") as handle:
                json.dump(document, handle)
        return path

    def compare(self, before, after, *options):
        """(exit code, stdout) both ways round; asserts the two exit codes agree."""
        a, b = self.folder("a", before), self.folder("b", after)
        runs = [subprocess.run([sys.executable, SCRIPT, x, y, *options], capture_output=True, text=True)
                for x, y in ((a, b), (b, a))]
        self.assertEqual(runs[0].returncode, runs[1].returncode, runs[0].stdout + runs[1].stdout)
        return runs[0].returncode, runs[0].stdout + runs[1].stdout

    def test_the_same_runs_agree(self):
        code, out = self.compare(BASE, BASE)
        self.assertEqual(code, 0, out)
        self.assertIn("the runs agree: same status, verdict and claims in every row", out)
        self.assertEqual(self.compare(BASE, BASE, "--strict")[0], 0)

    def test_a_verdict_decided_against_inconclusive_is_less_sure_not_a_contradiction(self):
        code, out = self.compare(BASE, changed(set_verdict("inconclusive")))
        self.assertEqual(code, 0, out)
        self.assertIn("less sure: 1 verdict(s), 0 claim(s)", out)
        self.assertIn("0 verdict(s) and 0 claim(s) contradicting", out)
        self.assertIn("bounded → inconclusive ~ less sure", out)
        self.assertEqual(self.compare(BASE, changed(set_verdict("inconclusive")), "--strict")[0], 1)

    def test_a_claim_decided_against_inconclusive_or_not_measured_is_less_sure(self):
        for result in ("inconclusive", "not measured"):
            code, out = self.compare(BASE, changed(set_claim(result)))
            self.assertEqual(code, 0, out)
            self.assertIn("less sure: 0 verdict(s), 1 claim(s)", out)
            self.assertIn("(0 row(s) disagree, 1 only less sure)", out)
            self.assertEqual(self.compare(BASE, changed(set_claim(result)), "--strict")[0], 1)

    def test_bounded_against_grows_contradicts(self):
        for kind in ("grows-with-input", "grows-with-time"):
            code, out = self.compare(BASE, changed(set_verdict(kind)))
            self.assertEqual(code, 1, out)
            self.assertIn("1 verdict(s) and 0 claim(s) contradicting", out)
            self.assertIn("the runs disagree", out)

    def test_holds_against_does_not_hold_contradicts(self):
        code, out = self.compare(BASE, changed(set_claim("does not hold")))
        self.assertEqual(code, 1, out)
        self.assertIn("0 verdict(s) and 1 claim(s) contradicting", out)
        self.assertIn("holds → does not hold ✗ contradicts", out)

    def test_a_status_change_a_missing_row_or_claim_disagree(self):
        def crashed(results):
            results["summaries"][1]["status"] = "crashed"

        def without_row(results):
            results["summaries"] = [s for s in results["summaries"] if s["scenario"] != "pipeline-copy"]
            del results["verdicts"]["pipeline-copy"]

        def without_claim(results):
            results["claims"] = []

        for edit, text in ((crashed, "1 with another status"), (without_row, "1 only in one run"),
                           (without_claim, "1 claim(s) only one run has")):
            code, out = self.compare(BASE, changed(edit))
            self.assertEqual(code, 1, out)
            self.assertIn(text, out)

    def test_a_folder_without_its_files_is_no_input(self):
        empty = os.path.join(self.directory.name, "empty")
        os.makedirs(empty)
        run = subprocess.run([sys.executable, SCRIPT, empty, self.folder("a", BASE)], capture_output=True, text=True)
        self.assertEqual(run.returncode, 66)
        self.assertIn("cannot read", run.stderr)


if __name__ == "__main__":
    unittest.main()
