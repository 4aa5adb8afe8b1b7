/// Does a scenario's peak memory grow with its input? Fitted over the scales of one run.
///
/// The rule, and why: a bounded strategy holds a constant buffer, so its peak moves only by
/// noise (a few % of RSS here between repeats); an unbounded one holds a share of its input, so
/// its peak rises in proportion. A scenario is **bounded** when its median peak RSS at the
/// largest input is within `tolerance` (default 10 %, the "flat within ~10 %") of the
/// smallest input's, or when the fitted slope is below `minimumSlope` (default 0.02 bytes of
/// peak per byte of input: a 100 MiB larger input adding under 2 MiB is bookkeeping, not
/// buffering). Otherwise it **grows with input**, and the slope says how much (≈ 1.0 × input is
/// "the whole stream is in memory").
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
    public static let minimumSlope = 0.02

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
        let bounded = growth <= tolerance || slope < minimumSlope
        let inputRatio = last.x / first.x
        let explanation = bounded
            ? String(format: "peak RSS %+.1f%% for %.0f× the input", growth * 100, inputRatio)
            : String(format: "peak RSS ≈ %.2f × input (%+.0f%% for %.0f× the input)", slope, growth * 100, inputRatio)
        return GrowthVerdict(kind: bounded ? .bounded : .grows, peakBytesPerInputByte: slope, relativeGrowth: growth, explanation: explanation)
    }
}
