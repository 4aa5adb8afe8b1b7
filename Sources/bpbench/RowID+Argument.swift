import ArgumentParser
import BenchModel

/// `--reference ROW` reads a row's spelling (`pipeline-copy`, `bounded-queue/fan-out`).
extension RowID: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
