/// The drift report of a check whose figures a base revision judges (or, with this tree's
/// scenario code, nothing does): of the baseline's cells with recorded runs, those whose head
/// median lies outside the runs' range — informational, never a finding. Two forms: check.md's
/// (``text``) names every cell outside; the terminal's (``consoleText``) counts them — the first
/// fresh-clone CI with a 3-run baseline printed one 3,900-character line naming 30 cells.
public struct DriftNote: Sendable, Equatable {
    /// How many runs the baseline was recorded from.
    public var runs: Int
    /// The cells with recorded runs.
    public var cells: Int
    /// Each cell outside the runs' range: `row ×scale metric median, how far past the range`.
    public var outside: [String]

    public init(runs: Int, cells: Int, outside: [String]) {
        self.runs = runs
        self.cells = cells
        self.outside = outside
    }

    /// What the note says before its list.
    var summary: String {
        "drift from the baseline's \(runs) runs (informational, never a finding): \(cells - outside.count) of \(cells) machine-stable cells have the head's median inside the runs' range"
    }

    /// check.md's and check.json's note: the summary, then every cell outside the range.
    public var text: String { outside.isEmpty ? summary : summary + "; outside: " + outside.joined(separator: "; ") }

    /// The terminal's line: the summary and how many cells lie outside (check.md lists them).
    public var consoleText: String {
        outside.isEmpty ? summary : summary + "; \(outside.count) outside it, listed in check.md"
    }
}
