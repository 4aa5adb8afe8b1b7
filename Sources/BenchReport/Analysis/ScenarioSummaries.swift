import BenchModel

/// A run's summaries in run order (the order rows and scales first appeared), indexed by row and
/// scale: every "this row at that scale" and "every scale of this row" is one lookup, not a
/// search written out where it is needed.
public struct ScenarioSummaries: RandomAccessCollection, Sendable, Equatable {
    /// What a summary is found by.
    public struct Key: Hashable, Sendable {
        public var row: RowID
        public var scale: Double

        public init(row: RowID, scale: Double) {
            self.row = row
            self.scale = scale
        }
    }

    private let summaries: [ScenarioSummary]
    private let positionByKey: [Key: Int]
    private let positionsByRow: [RowID: [Int]]
    /// The rows, in the order they first appear.
    public let rows: [RowID]

    public init(_ summaries: [ScenarioSummary]) {
        self.summaries = summaries
        var positionByKey: [Key: Int] = [:]
        var positionsByRow: [RowID: [Int]] = [:]
        var rows: [RowID] = []
        for (position, summary) in summaries.enumerated() {
            let key = Key(row: summary.scenario, scale: summary.scale)
            if positionByKey[key] == nil { positionByKey[key] = position }
            if positionsByRow[summary.scenario] == nil { rows.append(summary.scenario) }
            positionsByRow[summary.scenario, default: []].append(position)
        }
        self.positionByKey = positionByKey
        self.positionsByRow = positionsByRow
        self.rows = rows
    }

    public var startIndex: Int { summaries.startIndex }
    public var endIndex: Int { summaries.endIndex }
    public subscript(position: Int) -> ScenarioSummary { summaries[position] }

    /// `row` at `scale`, if the run has it.
    public func summary(_ row: RowID, scale: Double) -> ScenarioSummary? {
        positionByKey[Key(row: row, scale: scale)].map { summaries[$0] }
    }

    /// Every scale of `row`, in run order.
    public func of(_ row: RowID) -> [ScenarioSummary] { (positionsByRow[row] ?? []).map { summaries[$0] } }

    /// Every scale of `row`, smallest first.
    public func byScale(_ row: RowID) -> [ScenarioSummary] { of(row).sorted { $0.scale < $1.scale } }

    /// `row` at its largest scale (the one ratios and claims use).
    public func largest(_ row: RowID) -> ScenarioSummary? { of(row).max { $0.scale < $1.scale } }

    public static func == (lhs: ScenarioSummaries, rhs: ScenarioSummaries) -> Bool { lhs.summaries == rhs.summaries }
}
