import BenchModel
import BenchProtocol

/// Every chart `bpbench run` and `report` write, in report order.
public enum ChartExporters {
    public static let all: [any ChartExporter] = [
        MemoryTimelineChart(), GrowthChart(), PeakMemoryChart(), GaugeTimelineChart(),
    ]
}

extension RunAnalysis {
    /// The repeat each chart draws per scenario: the first ok one at the largest scale (or the
    /// first at all, so a memory-cap run still shows its climb).
    func representativeRecords() -> [RunRecord] {
        scenarios.compactMap { name in
            guard let summary = largest(name) else { return nil }
            return summary.records.first { $0.status == .ok } ?? summary.records.first
        }
    }
}
