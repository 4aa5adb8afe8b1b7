/// A check whose base revision (`check --against REV`) has this tree's scenario code: no base
/// side ran, so the figure cells — heap peaks, gauge maxima, throughput, latency, CPU, peak RSS,
/// what the base revision would have judged in the same job — were not judged, and this says how
/// many and why (one note, and `check.json`'s `sameCodeBase`).
///
/// Why nothing is judged in their place: the same binaries on both sides can only differ by
/// noise, so an A/B's one possible outcome beyond "pass" is a false alarm (and in CI, on a commit
/// that touches no scenario code, it was ≈ 120 of the check's 240 children and ≈ 117 of its 261 s:
/// the fresh-clone log of ca1e519). Judging them against the committed baseline instead is the
/// cross-machine comparison issue 25 removed. What the baseline judges whatever the code — the
/// statuses and growth verdicts — is judged as always.
public struct SameCodeBase: Codable, Sendable, Equatable {
    /// The base as given, with its commit: `HEAD~1 (abc123def456)`.
    public var base: String
    /// The figure cells the base revision would have judged, not judged.
    public var figureCells: Int
    /// The baseline's (row, scale) pairs the head ran, whose status (and the row's growth
    /// verdict) were judged against the baseline: what the check did judge.
    public var rowsJudged: Int
    /// Rows (`row ×scale`) the baseline lacks: with a base revision of other code they are judged
    /// against it in the same job; here nothing can judge them.
    public var rowsWithoutBaseline: [String]

    public init(base: String, figureCells: Int, rowsJudged: Int, rowsWithoutBaseline: [String]) {
        self.base = base
        self.figureCells = figureCells
        self.rowsJudged = rowsJudged
        self.rowsWithoutBaseline = rowsWithoutBaseline
    }

    /// Why the figure cells were not judged.
    public var reason: String {
        "base \(base) has this tree's scenario code — the same binaries on both sides, nothing to compare"
    }

    /// The note: how many figure cells, and why.
    public var line: String { "\(figureCells) figure cells not judged: \(reason)" }

    /// Shards' parts as one (`bpbench merge`): the counts summed, the rows listed in shard order;
    /// nil when no shard's base had the tree's scenario code.
    public static func merged(_ parts: [SameCodeBase]) -> SameCodeBase? {
        guard let first = parts.first else { return nil }
        return SameCodeBase(
            base: first.base, figureCells: parts.map(\.figureCells).reduce(0, +),
            rowsJudged: parts.map(\.rowsJudged).reduce(0, +), rowsWithoutBaseline: parts.flatMap(\.rowsWithoutBaseline))
    }
}
