import BenchCore
import BenchModel
import BenchProtocol

/// A StepExecutor that returns made-up records with a little deterministic noise.
public struct ScriptedExecutor: StepExecutor {
    public let name: String
    public let throughput: Double

    public init(name: String, throughput: Double) {
        self.name = name
        self.throughput = throughput
    }

    public func execute(_ step: RunPlan.Step, profile: Profile, logDirectory: String) -> RunRecord {
        let noise = 1 + Double((step.repeatIndex * 7) % 5) / 100  // ±2 %
        var record = Synthetic.record(
            RowID(scenario: step.entry.name), scale: step.scale, repeatIndex: step.repeatIndex,
            peakRss: 30 << 20, allocated: 3 << 20, bytes: 24 << 20, throughput: throughput * noise * 1_000_000)
        record.parameters = [:]
        return record
    }
}
