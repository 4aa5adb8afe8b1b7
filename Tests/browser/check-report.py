#!/usr/bin/env python3
"""Open a run folder's report.html in headless Chromium and check it works as a page.

    check-report.py RUN_DIR [--screenshot FILE.png] [--chromium PATH] [--max-load-ms 1000]

Drives Chromium through the DevTools protocol over --remote-debugging-pipe (fd 3 in, fd 4 out,
NUL-separated JSON), with nothing but the standard library: no PyPI driver, no websocket. Checks:

- the page loads from disk with no console error, no uncaught exception and no request for
  anything but the file itself (self-contained: no network);
- it loads within --max-load-ms (the issue asks for under a second);
- the family comparison comes before the summary, and the summary has exactly one line per
  row x scale recorded in RUN_DIR/run.json (read here, independently of the page's generator);
- clicking the "peak RSS" header sorts the lines ascending, clicking again descending (the order
  changes), and each line's details stay right after it;
- expanding one line shows its details with a drawn chart;
- the text filter hides the lines that do not match.

Takes screenshots: the top of the page (FILE.png), the summary sorted by peak RSS, largest first
(FILE-sorted.png), and the expanded line (FILE-expanded.png).
Prints one JSON object with what it measured; exit 0 when every check passed, 1 when one failed
(each failure one line on stderr), 2 when Chromium could not be started or driven.
"""
import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class DriverError(Exception):
    """Chromium could not be started or stopped answering: not a finding about the page."""


class DevTools:
    """A minimal Chrome DevTools protocol client over the two pipes --remote-debugging-pipe uses."""

    def __init__(self, write_fd, read_fd):
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def _receive(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DriverError("Chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise DriverError("Chromium closed the DevTools pipe")
                self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.write_fd, data):]
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise DriverError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, session, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event
            self.events.append(self._receive(deadline))


def find_chromium(explicit):
    for candidate in [explicit, os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def launch(chromium, profile_dir, log):
    commands_read, commands_write = os.pipe()
    replies_read, replies_write = os.pipe()

    def place_pipes():
        # In the child: fd 3 is where Chromium reads commands, fd 4 where it writes replies. Copy
        # both above 10 first so the second dup2 cannot close the first one's source.
        high_commands = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
        high_replies = fcntl.fcntl(replies_write, fcntl.F_DUPFD, 10)
        os.dup2(high_commands, 3)
        os.dup2(high_replies, 4)

    arguments = [chromium, "--headless", "--remote-debugging-pipe", f"--user-data-dir={profile_dir}", "--disable-gpu",
                 "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--window-size=1400,1000", "about:blank"]
    if os.geteuid() == 0:
        arguments.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
    process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=False, preexec_fn=place_pipes)
    os.close(commands_read)
    os.close(replies_write)
    return process, DevTools(commands_write, replies_read)


# Runs in the page: everything the checks need, read at once.
STATE = """(() => {
  const rows = Array.from(document.querySelectorAll('#summary tbody > tr.row'));
  const body = document.querySelector('#summary tbody');
  const children = body ? Array.from(body.children) : [];
  const paired = rows.every(r => { const d = r.nextElementSibling; return d && d.classList.contains('detail') && d.dataset.detailOf === r.dataset.row + ' ' + r.dataset.scale; });
  const headers = Array.from(document.querySelectorAll('#summary thead th')).map(h => h.textContent.trim());
  const column = headers.indexOf('peak RSS');
  const families = document.getElementById('families'), summary = document.getElementById('summary');
  return {
    rows: rows.map(r => [r.dataset.row, Number(r.dataset.scale)]),
    visible: rows.filter(r => !r.hidden && r.getClientRects().length > 0).length,
    paired: paired && children.length === 2 * rows.length,
    peak: rows.map(r => r.cells[column] ? r.cells[column].dataset.v : null),
    sort: column >= 0 ? document.querySelectorAll('#summary thead th')[column].getAttribute('aria-sort') : null,
    column: column,
    familiesFirst: !!families && !!summary && !!(families.compareDocumentPosition(summary) & Node.DOCUMENT_POSITION_FOLLOWING),
    count: (document.querySelector('[data-filters=summary] .count') || {}).textContent || null,
  };
})()"""


def main():
    parser = argparse.ArgumentParser(description="Check a run folder's report.html in headless Chromium.")
    parser.add_argument("run_dir")
    parser.add_argument("--screenshot", help="PNG of the page's top; FILE-expanded.png gets the expanded line")
    parser.add_argument("--chromium")
    parser.add_argument("--max-load-ms", type=float, default=1000)
    options = parser.parse_args()

    report = os.path.abspath(os.path.join(options.run_dir, "report.html"))
    run_json = os.path.join(options.run_dir, "run.json")
    if not os.path.isfile(report) or not os.path.isfile(run_json):
        print(f"check-report: {options.run_dir} has no report.html or run.json", file=sys.stderr)
        return 2
    with open(run_json, encoding="utf-8") as handle:
        document = json.load(handle)
    expected = sorted({(record["scenario"], float(record["scale"])) for record in document["records"]})
    chromium = find_chromium(options.chromium)
    if not chromium:
        print("check-report: no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 2

    failures = []
    measured = {"rows_expected": len(expected)}
    stem = options.screenshot[:-4] if options.screenshot and options.screenshot.endswith(".png") else options.screenshot
    profile_dir = tempfile.mkdtemp(prefix="bpbench-chromium-")
    log_path = os.path.join(profile_dir, "chromium.log")
    with open(log_path, "wb") as log:
        process, devtools = launch(chromium, profile_dir, log)
    try:
        target = devtools.send("Target.createTarget", {"url": "about:blank"}, timeout=60)["targetId"]
        session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ["Runtime.enable", "Log.enable", "Page.enable", "Network.enable"]:
            devtools.send(domain, session=session)
        devtools.send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}, session=session)

        def evaluate(expression):
            result = devtools.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session=session)
            if "exceptionDetails" in result:
                raise DriverError(f"page script failed: {result['exceptionDetails'].get('text')} in {expression[:60]}")
            return result["result"].get("value")

        def screenshot(path):
            data = devtools.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(data))
            measured.setdefault("screenshots", []).append(path)

        url = "file://" + report
        devtools.send("Page.navigate", {"url": url}, session=session)
        devtools.wait_for("Page.loadEventFired", session, timeout=60)
        timing = evaluate("(() => { const n = performance.getEntriesByType('navigation')[0]; return n ? {dom: n.domContentLoadedEventEnd, load: n.loadEventEnd} : null; })()")
        measured["load_ms"] = timing and round(timing["load"], 1)
        measured["dom_content_loaded_ms"] = timing and round(timing["dom"], 1)
        measured["bytes"] = os.path.getsize(report)
        if not timing or timing["load"] > options.max_load_ms:
            failures.append(f"the page took {timing and round(timing['load'])} ms to load (at most {options.max_load_ms:.0f})")

        state = evaluate(STATE)
        found = sorted((row, float(scale)) for row, scale in state["rows"])
        measured["rows_found"] = len(found)
        if found != expected:
            missing = [f"{r} x{s:g}" for r, s in expected if (r, s) not in found]
            extra = [f"{r} x{s:g}" for r, s in found if (r, s) not in expected]
            failures.append(f"summary lines differ from run.json: missing {missing}, unexpected {extra}")
        if state["visible"] != len(expected):
            failures.append(f"{state['visible']} of {len(expected)} summary lines are visible on opening")
        if not state["familiesFirst"]:
            failures.append("the family comparison (#families) is missing or not before the summary")
        if not state["paired"]:
            failures.append("a summary line is not followed by its own details on opening")
        if options.screenshot:
            screenshot(options.screenshot)

        # Sorting: ascending on the first click, descending on the second, details following.
        if state["column"] < 0:
            failures.append("no 'peak RSS' column to sort by")
        else:
            def keys(values):
                return [float(v) for v in values if v not in (None, "")]
            before = state["peak"]
            evaluate(f"document.querySelectorAll('#summary thead th')[{state['column']}].click()")
            ascending = evaluate(STATE)
            evaluate(f"document.querySelectorAll('#summary thead th')[{state['column']}].click()")
            descending = evaluate(STATE)
            measured["peak_rss_first"] = {"opened": before[:3], "ascending": ascending["peak"][:3], "descending": descending["peak"][:3]}
            if ascending["sort"] != "ascending" or keys(ascending["peak"]) != sorted(keys(before)):
                failures.append(f"one click on 'peak RSS' did not sort ascending: {ascending['peak']}")
            if descending["sort"] != "descending" or keys(descending["peak"]) != sorted(keys(before), reverse=True):
                failures.append(f"a second click on 'peak RSS' did not sort descending: {descending['peak']}")
            if len(set(keys(before))) < 2:
                failures.append("every line has the same peak RSS: sorting cannot be seen to reorder anything")
            elif ascending["rows"] == descending["rows"]:
                failures.append("sorting ascending and descending gave the same order")
            if not (ascending["paired"] and descending["paired"]):
                failures.append("after sorting, a line's details no longer follow it")
            if options.screenshot:
                evaluate("document.getElementById('summary-section').scrollIntoView({block: 'start'})")
                time.sleep(0.2)
                screenshot(stem + "-sorted.png")

        # One expansion: the first line's details open and hold a drawn chart.
        expansion = evaluate("""(() => {
          const row = document.querySelector('#summary tbody > tr.row');
          const detail = row.nextElementSibling;
          const closedHeight = detail.getBoundingClientRect().height;
          row.querySelector('button.toggle').click();
          // The line itself just under the sticky filter bar, its details below it.
          row.scrollIntoView({block: 'start'});
          const bar = document.querySelector('.filters');
          window.scrollBy(0, -((bar ? bar.getBoundingClientRect().height : 0) + 40));
          const svg = detail.querySelector('svg');
          const box = svg ? svg.getBoundingClientRect() : null;
          return {row: row.dataset.row + ' x' + row.dataset.scale, hidden: detail.hidden, closedHeight: closedHeight,
                  height: detail.getBoundingClientRect().height, svgWidth: box ? box.width : 0, svgHeight: box ? box.height : 0,
                  lines: detail.querySelectorAll('svg polyline').length, expanded: row.querySelector('button.toggle').getAttribute('aria-expanded')};
        })()""")
        measured["expanded"] = expansion
        if expansion["closedHeight"] != 0:
            failures.append("a line's details take room before they are opened")
        if expansion["hidden"] or expansion["expanded"] != "true" or expansion["height"] < 100:
            failures.append(f"expanding {expansion['row']} did not show its details: {expansion}")
        if expansion["svgWidth"] < 100 or expansion["lines"] < 1:
            failures.append(f"the details of {expansion['row']} hold no drawn chart: {expansion}")
        if options.screenshot:
            time.sleep(0.2)
            screenshot(stem + "-expanded.png")

        # The text filter: a row's name leaves only the lines that contain it.
        name = expected[-1][0]
        filtered = evaluate(f"""(() => {{
          const box = document.querySelector('[data-filters=summary] input[data-field=search]');
          box.value = {json.dumps(name)};
          box.dispatchEvent(new Event('input', {{bubbles: true}}));
          const rows = Array.from(document.querySelectorAll('#summary tbody > tr.row'));
          const shown = rows.filter(r => !r.hidden).map(r => r.dataset.row);
          const wanted = rows.filter(r => r.dataset.search.toLowerCase().includes({json.dumps(name.lower())})).length;
          box.value = ''; box.dispatchEvent(new Event('input', {{bubbles: true}}));
          return {{shown: shown, wanted: wanted, after: rows.filter(r => !r.hidden).length}};
        }})()""")
        measured["filter"] = {"text": name, "shown": len(filtered["shown"]), "of": len(expected)}
        if len(filtered["shown"]) != filtered["wanted"] or not filtered["shown"] or any(name not in row for row in filtered["shown"]):
            failures.append(f"filtering on '{name}' showed {filtered['shown']}")
        if filtered["after"] != len(expected):
            failures.append("clearing the filter did not bring every line back")

        # Everything the page said or asked for while all that happened.
        for event in devtools.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                failures.append("uncaught exception: " + json.dumps(params.get("exceptionDetails", {}).get("exception", {}).get("description")
                                                                    or params.get("exceptionDetails", {}).get("text")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                failures.append("console " + params["type"] + ": " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                failures.append("console error: " + params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                requested = params.get("request", {}).get("url", "")
                if requested != url and not requested.startswith(("data:", "about:")):
                    failures.append("the page requested " + requested + " (it must be self-contained)")
        measured["console_events"] = sum(1 for e in devtools.events if e.get("method") in ("Runtime.consoleAPICalled", "Log.entryAdded", "Runtime.exceptionThrown"))
        try:
            devtools.send("Browser.close", timeout=10)
        except DriverError:
            pass
    except DriverError as error:
        with open(log_path, "rb") as handle:
            tail = handle.read()[-2000:].decode(errors="replace")
        print(f"check-report: {error}\n{tail}", file=sys.stderr)
        return 2
    finally:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile_dir, ignore_errors=True)

    measured["failures"] = failures
    print(json.dumps(measured))
    for failure in failures:
        print("check-report: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
