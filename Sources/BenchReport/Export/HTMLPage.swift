import BenchModel
import Foundation

/// The shell every HTML page of bpbench shares (report.html, compare.html): escaping, one inline
/// style sheet and one small vanilla script, so a page is a single file that opens from disk with
/// no network, no CDN and no build step.
///
/// The script knows three conventions, nothing else:
/// - a `table.sortable` sorts by a header with `data-sort="number"` or `data-sort="text"` when the
///   header is clicked (again: reversed); a cell's `data-v` is its sort key (a number for number
///   columns; empty = no value, always last). Body rows are `tr.row`, each optionally followed by
///   its `tr.detail`, which moves with it.
/// - a `button.toggle` in a `tr.row` shows or hides the `tr.detail` after it; the first time, a
///   `script.later` in the detail (``later(_:)``) is replaced by the HTML it holds.
/// - a `[data-filters=TABLE_ID]` bar's inputs and selects with `data-field=NAME` filter that
///   table's rows by their `data-NAME` attribute: a text box by substring, a select by equality,
///   every control at once; its `.count` says how many rows are shown.
enum HTMLPage {
    /// Text for an element or an attribute value: run data (row names, status details, parameter
    /// values) can hold anything, so every one of them goes through here.
    /// A row, escaped as its spelling.
    static func escape(_ row: RowID) -> String { escape(row.description) }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `html` kept as raw text until the reader opens it: a `<script type="text/html">` is neither
    /// run nor parsed into elements, so a page of many rows does not build every row's charts on
    /// opening. Its content cannot end the element early: every string from the run is escaped
    /// (`<` is `&lt;`) and the generators write no `</script`; one that slipped through all the
    /// same is broken here rather than allowed to close the element.
    static func later(_ html: String) -> String {
        "<script type=\"text/html\" class=\"later\">"
            + html.replacingOccurrences(of: "</script", with: "<\\/script", options: .caseInsensitive) + "</script>"
    }

    /// A whole page: `title` (escaped here) and `body` (HTML, already escaped by its builder).
    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        \(body)
        <script>
        \(script)
        </script>
        </body>
        </html>

        """
    }

    /// A `<select>` for a filter bar: "all" first, then `values` as given.
    static func select(field: String, label: String, values: [String]) -> String {
        var html = "<label>\(escape(label)) <select data-field=\"\(escape(field))\"><option value=\"\">all</option>"
        for value in values { html += "<option value=\"\(escape(value))\">\(escape(value))</option>" }
        return html + "</select></label>"
    }

    /// A `<th>`: sortable as numbers or text, or (nil) not sortable.
    static func header(_ title: String, sort: String? = "number", tip: String? = nil) -> String {
        let sortAttribute = sort.map { " data-sort=\"\($0)\"" } ?? ""
        let tipAttribute = tip.map { " title=\"\(escape($0))\"" } ?? ""
        return "<th\(sortAttribute)\(tipAttribute)>\(escape(title))</th>"
    }

    /// A `<td>` showing `text` (escaped) and sorting by `value` (nil: no value, sorted last).
    static func numberCell(_ text: String, _ value: Double?) -> String {
        let key = value.map { $0.isFinite ? String($0) : "" } ?? ""
        return "<td class=\"n\" data-v=\"\(key)\">\(escape(text))</td>"
    }

    static let style = """
        :root { --line: #d9dde3; --soft: #f5f7fa; --ink: #1d2430; --muted: #5b6472; --accent: #1f5fbf; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0 auto; padding: 16px 14px 48px; max-width: 1600px; }
        h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 18px 0 6px; } h4 { font-size: 13px; margin: 10px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
        p.lead, p.note { color: var(--muted); max-width: 1100px; } code { font-size: 12.5px; }
        .banner { background: #fff4e0; border: 1px solid #f0c36d; padding: 8px 12px; border-radius: 4px; }
        table { border-collapse: collapse; margin: 6px 0 12px; }
        th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
        th { background: var(--soft); position: sticky; top: 0; z-index: 1; white-space: nowrap; }
        th[data-sort] { cursor: pointer; user-select: none; } th[data-sort]:hover { color: var(--accent); }
        th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
        td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        tr.row:hover { background: #eef3fb; }
        tr.row > td:first-child { white-space: nowrap; }
        table.sortable > thead th { white-space: normal; vertical-align: bottom; }
        table.sortable { font-size: 13px; } table.sortable > thead > tr > th, table.sortable > tbody > tr.row > td { padding: 4px 6px; }
        tr.detail > td { background: #fbfcfd; padding: 10px 12px 16px; }
        button.toggle { border: 1px solid var(--line); background: white; border-radius: 3px; width: 22px; height: 20px; padding: 0; cursor: pointer; font-size: 11px; }
        button.toggle[aria-expanded=true] { background: var(--accent); color: white; }
        .filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center; background: var(--soft); padding: 8px 10px; border-radius: 4px; position: sticky; top: 0; z-index: 2; }
        .filters input[type=search] { width: 220px; } .filters .count { color: var(--muted); margin-left: auto; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; } .charts svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
        .flame svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
        .facts { display: flex; flex-wrap: wrap; gap: 8px 28px; } .facts section { min-width: 280px; max-width: 760px; }
        table.kv td, table.kv th { padding: 2px 8px; font-size: 12.5px; } table.kv th { position: static; }
        .holds { color: #17722f; } .does-not-hold { color: #b3261e; } .inconclusive, .not-measured { color: #8a6100; }
        .bad { color: #b3261e; font-weight: 600; } .muted { color: var(--muted); }
        pre { background: var(--soft); padding: 8px 10px; overflow-x: auto; font-size: 12.5px; }
        .scroll { overflow-x: auto; }
        """

    static let script = """
        "use strict";
        (function () {
          function rowsOf(table) { return Array.prototype.slice.call(table.tBodies[0].children).filter(function (r) { return r.classList.contains("row"); }); }
          function detailOf(row) { var next = row.nextElementSibling; return next && next.classList.contains("detail") ? next : null; }
          function isOpen(row) { var b = row.querySelector("button.toggle"); return !!b && b.getAttribute("aria-expanded") === "true"; }
          document.querySelectorAll("table.sortable").forEach(function (table) {
            var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
            headers.forEach(function (th, column) {
              if (!th.dataset.sort) return;
              th.tabIndex = 0;
              var sort = function () {
                var ascending = th.getAttribute("aria-sort") !== "ascending", numeric = th.dataset.sort === "number";
                headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
                th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
                var items = rowsOf(table).map(function (row, index) {
                  var cell = row.cells[column], raw = cell ? (cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim()) : "";
                  return { row: row, detail: detailOf(row), index: index, missing: raw === "", key: numeric ? Number(raw) : raw.toLowerCase() };
                });
                items.sort(function (a, b) {
                  if (a.missing !== b.missing) return a.missing ? 1 : -1;
                  var order = numeric ? a.key - b.key : (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
                  return (ascending ? order : -order) || a.index - b.index;
                });
                var fragment = document.createDocumentFragment();
                items.forEach(function (item) { fragment.appendChild(item.row); if (item.detail) fragment.appendChild(item.detail); });
                table.tBodies[0].appendChild(fragment);
              };
              th.addEventListener("click", sort);
              th.addEventListener("keydown", function (event) { if (event.key === "Enter") sort(); });
            });
          });
          document.addEventListener("click", function (event) {
            var button = event.target.closest("button.toggle");
            if (!button) return;
            var row = button.closest("tr"), detail = detailOf(row), open = !isOpen(row);
            button.setAttribute("aria-expanded", String(open));
            if (!detail) return;
            var later = detail.querySelector("script.later");
            if (open && later) later.parentNode.innerHTML = later.textContent;
            detail.hidden = !open;
          });
          document.querySelectorAll("[data-filters]").forEach(function (bar) {
            var table = document.getElementById(bar.dataset.filters), controls = bar.querySelectorAll("[data-field]"), counter = bar.querySelector(".count");
            var apply = function () {
              var rows = rowsOf(table), shown = 0;
              rows.forEach(function (row) {
                var match = Array.prototype.every.call(controls, function (control) {
                  var wanted = control.value.trim().toLowerCase();
                  if (!wanted) return true;
                  var have = (row.getAttribute("data-" + control.dataset.field) || "").toLowerCase();
                  return control.tagName === "SELECT" ? have === wanted : have.indexOf(wanted) >= 0;
                });
                row.hidden = !match;
                var detail = detailOf(row);
                if (detail) detail.hidden = !match || !isOpen(row);
                if (match) shown += 1;
              });
              if (counter) counter.textContent = shown + " of " + rows.length + " rows";
            };
            controls.forEach(function (control) { control.addEventListener("input", apply); control.addEventListener("change", apply); });
            apply();
          });
        })();
        """
}
