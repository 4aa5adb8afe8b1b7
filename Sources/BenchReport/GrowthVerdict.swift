/// Does a scenario's peak memory grow with its input? Fitted over the scales of one run.
///
/// The rule, and why: a bounded strategy holds a constant buffer, so its peak moves only by
/// noise; an unbounded one holds a share of its input, so its peak rises in proportion. A
/// scenario **grows with input** when both
/// - its median peak RSS at the largest input exceeds the smallest input's by more than the
///   tolerance: 10 % (the "flat within ~10 %"), widened to twice the spread seen between
///   repeats of the same size when the machine is noisier than that, so noise alone never flips
///   a verdict; and
/// - the fitted slope is at least 0.1 bytes of peak per byte of input, i.e. the strategy holds at
///   least a tenth of its extra input. Measured here: the unbounded patterns sit at 0.8–1.25
///   (ignored-drain, the `workers=0` fan-out); the bounded ones at or below 0.07, the highest being
///   pipeline-copy, whose peak creeps up with run length (a longer run meets a larger overshoot of
///   NIOAsyncWriter's writability lag) without being proportional to the input.
/// Otherwise it is **bounded**. The slope is reported either way (≈ 1.0 × input means "the whole
/// stream is in memory").
public struct GrowthVerdict: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case bounded
        case grows = "grows-with-input"
        case unknown = "n/a"
    }

    public var kind: Kind
    /// Least-squares slope of peak RSS against input bytes.
    public var peakBytesPerInputByte: Double?
    /// (peak at largest input − peak at smallest) ÷ peak at smallest.
    public var relativeGrowth: Double?
    public var explanation: String

    public static let defaultTolerance = 0.10
    public static let minimumSlope = 0.1

    /// Fits the ok summaries of one scenario (one per scale).
    public static func fit(_ summaries: [ScenarioSummary], tolerance: Double = defaultTolerance) -> GrowthVerdict {
        let points = summaries.compactMap { summary -> (x: Double, y: Double)? in
            guard let input = summary.inputBytes, let peak = summary.median(.peakRss), input > 0 else { return nil }
            return (input, peak)
        }.sorted { $0.x < $1.x }
        guard points.count >= 2, let first = points.first, let last = points.last, last.x > first.x else {
            return GrowthVerdict(kind: .unknown, peakBytesPerInputByte: nil, relativeGrowth: nil,
                                 explanation: "needs ok runs at two or more input sizes (bpbench run --scale 1,4)")
        }
        let meanX = points.map(\.x).reduce(0, +) / Double(points.count)
        let meanY = points.map(\.y).reduce(0, +) / Double(points.count)
        let covariance = points.map { ($0.x - meanX) * ($0.y - meanY) }.reduce(0, +)
        let variance = points.map { ($0.x - meanX) * ($0.x - meanX) }.reduce(0, +)
        let slope = covariance / variance
        let growth = (last.y - first.y) / first.y
        let noise = summaries.compactMap { summary -> Double? in
            guard let spread = summary.spreads[Metric.peakRss.key], spread.median > 0 else { return nil }
            return (spread.max - spread.min) / spread.median
        }.max() ?? 0
        let effectiveTolerance = max(tolerance, 2 * noise)
        let bounded = growth <= effectiveTolerance || slope < minimumSlope
        let inputRatio = last.x / first.x
        let explanation = bounded
            ? String(format: "peak RSS %+.1f%% for %.0f× the input (tolerance %.0f%%)", growth * 100, inputRatio, effectiveTolerance * 100)
            : String(format: "peak RSS ≈ %.2f × input (%+.0f%% for %.0f× the input)", slope, growth * 100, inputRatio)
        return GrowthVerdict(kind: bounded ? .bounded : .grows, peakBytesPerInputByte: slope, relativeGrowth: growth, explanation: explanation)
    }
}
