import BenchCore
import BenchProtocol

/// `bpbench compare`: two runs' medians side by side, with deltas and a better/worse mark.
public struct Comparison: Sendable {
    let a: RunAnalysis
    let b: RunAnalysis
    let noise: Double

    public init(_ a: RunAnalysis, _ b: RunAnalysis, noise: Double) {
        self.a = a
        self.b = b
        self.noise = noise
    }

    public func markdown(nameA: String, nameB: String) -> String {
        var lines = ["A = \(nameA) (\(a.document.environment.gitCommit), \(a.document.profile))",
                     "B = \(nameB) (\(b.document.environment.gitCommit), \(b.document.profile))", "",
                     "| scenario | scale | metric | A | B | change | |", "|---|---|---|---:|---:|---:|---|"]
        let metrics: [Metric] = [.peakRss, .peakAllocated, .throughputBytes, .latencyP99]
        for summaryA in a.summaries {
            guard let summaryB = b.summaries.first(where: { $0.scenario == summaryA.scenario && $0.scale == summaryA.scale }) else {
                lines.append("| `\(summaryA.scenario)` | \(Format.scale(summaryA.scale)) | — | present | missing | | |")
                continue
            }
            if summaryA.status != summaryB.status {
                lines.append("| `\(summaryA.scenario)` | \(Format.scale(summaryA.scale)) | status | \(summaryA.status) | \(summaryB.status) | | \(summaryB.status == "ok" ? "✅ better" : "❌ worse") |")
            }
            for metric in metrics {
                guard let valueA = summaryA.median(metric), let valueB = summaryB.median(metric) else { continue }
                let change = valueA == 0 ? 0 : (valueB - valueA) / valueA
                let mark: String
                if abs(change) < noise {
                    mark = "≈"
                } else {
                    mark = (change > 0) == metric.higherIsBetter ? "✅ better" : "❌ worse"
                }
                lines.append("| `\(summaryA.scenario)` | \(Format.scale(summaryA.scale)) | \(metric.title) | \(Format.value(valueA, unit: metric.unit)) | \(Format.value(valueB, unit: metric.unit)) | \(String(format: "%+.1f%%", change * 100)) | \(mark) |")
            }
        }
        for summaryB in b.summaries where !a.summaries.contains(where: { $0.scenario == summaryB.scenario && $0.scale == summaryB.scale }) {
            lines.append("| `\(summaryB.scenario)` | \(Format.scale(summaryB.scale)) | — | missing | present | | new |")
        }
        return lines.joined(separator: "\n")
    }
}
