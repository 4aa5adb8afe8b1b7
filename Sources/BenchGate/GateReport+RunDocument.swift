import BenchModel

extension GateReport {
    /// How many cells (row × scale) `document` recorded: what a check of it had to judge.
    package static func cellsRun(_ document: RunDocument) -> Int {
        Set(document.records.map { "\($0.scenario) \($0.scale)" }).count
    }

    /// ``nothingJudged(rowsRun:)`` for a check whose head side recorded `document`.
    package func nothingJudged(in document: RunDocument) -> String? {
        nothingJudged(rowsRun: Self.cellsRun(document))
    }
}
