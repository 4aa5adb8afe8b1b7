import BenchStatistics

/// Does a scenario's peak memory grow with its input? Decided over the scales of one run.
///
/// The rule, and why:
/// - **What is fitted.** Peak *allocated* (jemalloc's live heap), where a buffer shows; peak RSS
///   carries a 25–30 MiB runtime floor that hides one (it is fitted too, and reported). Without
///   in-child figures (sampler off), peak RSS decides.
/// - **An effect floor, tested for.** A bounded strategy's peak may creep with run length without
///   holding a share of its input (pipeline-copy: its async writer learns late that the socket is
///   full, and a longer run meets a larger overshoot — 2.2–2.6 MiB in flight at ×1, 3.0–6.4 MiB at
///   ×4 in one fresh-clone run). So *grows-with-input* needs more than "larger": the repeats at
///   the largest input, **lowered by the floor** (``minimumShare`` = 1/64 of the extra input),
///   must still lie above those at the smallest — one-sided Mann–Whitney U, p < ``alpha``. That is
///   the growth's lower confidence bound clearing the floor, not its median: a jittery peak whose
///   median slope passes 1/64 while its repeats overlap the floor-shifted ones is *inconclusive*;
///   a deterministic leak of 1/32 (the smallest the verdict must catch: 1 KiB kept per 32 KiB)
///   clears it.
/// - **Bounded is tested too**, the mirror image (issue 25: a point estimate under the floor
///   called "bounded" with no test, so a leak just under it in one noisy run passed as bounded):
///   the repeats at the largest input must lie significantly **below** the smallest's **raised
///   by the floor** — one-sided Mann–Whitney, p ≤ ``boundedAlpha`` (0.05: the level the gate's
///   *within-margin* uses, reached by 3 + 3 repeats; measured on three quick runs here every
///   bounded row reached 0.004–0.008 at 5 + 5, pipeline-copy's jittery overshoot 0.16–0.85 —
///   its baseline verdict is already inconclusive).
/// - **Inconclusive**, never a silent "bounded": neither test passes (noise too large, or too
///   few repeats: with 3 repeats per side the smallest possible p is 0.05) — run more repeats or
///   larger scales.
/// The cost is reported in the units a person thinks in: bytes per item and share of input.
///
/// **Growth with time.** A rate-mismatch scenario that runs for a fixed time (its scale
/// parameter is a duration) is fitted against run time instead: *grows-with-time* needs the same
/// significance and at least ``minimumBytesPerSecond`` (16 KiB/s ≈ 1 MiB a minute — under it an
/// hour-long run would hold less than 60 MiB more); the cost reads "grows ≈ X MiB/s".
public struct GrowthVerdict: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case bounded
        case grows = "grows-with-input"
        case growsWithTime = "grows-with-time"
        case inconclusive
        case unknown = "n/a"
    }

    public var kind: Kind
    /// The metric that decided (`peak_allocated_bytes`, or `peak_rss_bytes` without jemalloc figures).
    public var metric: String?
    /// Least-squares slope of the deciding metric's medians against input bytes.
    public var peakBytesPerInputByte: Double?
    /// The same slope per item moved.
    public var peakBytesPerItem: Double?
    /// For growth with time: least-squares slope of the deciding metric against run seconds.
    public var peakBytesPerSecond: Double?
    /// Least-squares slope of peak RSS against input bytes (reported beside the heap's).
    public var rssBytesPerInputByte: Double?
    /// (median at largest input − median at smallest) ÷ median at smallest.
    public var relativeGrowth: Double?
    /// One-sided Mann–Whitney p-value: the largest input's repeats, lowered by the floor's share
    /// of the extra input (or time), above the smallest's.
    public var pValue: Double?
    /// One-sided Mann–Whitney p-value: the largest input's repeats below the smallest's raised by
    /// the floor (what *bounded* needs). Nil in verdicts written before it existed.
    public var boundedPValue: Double?
    /// The scales fitted.
    public var scales: [Double]?
    public var explanation: String

    public static let alpha = 0.01
    /// The level at which growth counts as shown to stay under the floor (*bounded*).
    public static let boundedAlpha = 0.05
    public static let minimumShare = 1.0 / 64
    /// …and growth must also pass this many bytes: jemalloc's allocated figure moves by tens of
    /// KiB between identical runs (thread caches, a histogram's pages), which 1/64 of a small
    /// input cannot absorb (micro-batching at 125–500 KiB: +37 KiB, p = 0.008, for no growth).
    public static let minimumBytes = 256.0 * 1024
    public static let minimumBytesPerSecond = 16.0 * 1024

    /// What growth is measured against.
    public enum Axis: Sendable {
        /// Input bytes: a scenario that moves a fixed input (most).
        case input
        /// Run time: a rate mismatch run for a fixed time.
        case time
    }

    /// Fits the summaries of one scenario (one per scale).
    public static func fit(_ summaries: [ScenarioSummary], axis: Axis = .input) -> GrowthVerdict {
        if axis == .time { return fitTime(summaries) }
        let usable = summaries.filter { ($0.inputBytes ?? 0) > 0 }.sorted { $0.inputBytes! < $1.inputBytes! }
        let heapKnown = usable.allSatisfy { !$0.samples(.peakAllocated).isEmpty }
        let metric: Metric = heapKnown ? .peakAllocated : .peakRss
        let points = usable.compactMap { summary -> (x: Double, y: Double, items: Double)? in
            guard let y = summary.median(metric), let x = summary.inputBytes else { return nil }
            let items = Spread(summary.records.filter { $0.status.isMeasurement }.map { Double($0.items) })?.median ?? 0
            return (x, y, items)
        }
        guard points.count >= 2, let first = usable.first, let last = usable.last, points.last!.x > points.first!.x
        else {
            return GrowthVerdict(
                kind: .unknown, explanation: "needs ok runs at two or more input sizes (bpbench run --scale 1,4)")
        }
        let slope = leastSquaresSlope(points.map { ($0.x, $0.y) })
        let itemSlope = leastSquaresSlope(points.map { ($0.items, $0.y) })
        let rssPoints = usable.compactMap { summary in summary.median(.peakRss).map { (summary.inputBytes!, $0) } }
        let rssSlope = rssPoints.count >= 2 ? leastSquaresSlope(rssPoints) : nil
        let growth = (points.last!.y - points.first!.y) / points.first!.y
        let allowance = max(minimumShare * (points.last!.x - points.first!.x), minimumBytes)
        let p = MannWhitney.pGreater(last.samples(metric).map { $0 - allowance }, than: first.samples(metric))
        let below = MannWhitney.pGreater(first.samples(metric).map { $0 + allowance }, than: last.samples(metric))
        let inputRatio = points.last!.x / points.first!.x

        var verdict = GrowthVerdict(
            kind: .bounded, metric: metric.key, peakBytesPerInputByte: slope, peakBytesPerItem: itemSlope,
            rssBytesPerInputByte: rssSlope, relativeGrowth: growth, pValue: p, scales: usable.map(\.scale),
            explanation: "")
        verdict.boundedPValue = below
        let cost =
            "\(metric.title) \(String(format: "%+.1f%%", growth * 100)) for \(String(format: "%.0f", inputRatio))× the input; "
            + "≈ \(Format.bytes(itemSlope)) per item, ≈ \(String(format: "%.3f", slope)) × input"
        // Under either floor, bounded: the slope's 1/64, or a growth smaller than the allocator's jitter.
        let underBytes = points.last!.y - points.first!.y < minimumBytes
        verdict.classify(
            cost: cost, effect: underBytes ? 0 : slope, floor: minimumShare, floorText: underBytes ? "256 KiB" : "1/64",
            growing: .grows,
            repeats: (last.samples(metric).count, first.samples(metric).count))
        return verdict
    }

    /// Growth against run time: the same test, a floor in bytes per second.
    static func fitTime(_ summaries: [ScenarioSummary]) -> GrowthVerdict {
        let usable = summaries.filter { ($0.durationS ?? 0) > 0 }.sorted { $0.durationS! < $1.durationS! }
        let heapKnown = usable.allSatisfy { !$0.samples(.peakAllocated).isEmpty }
        let metric: Metric = heapKnown ? .peakAllocated : .peakRss
        let points = usable.compactMap { summary in summary.median(metric).map { (summary.durationS!, $0) } }
        guard points.count >= 2, let first = usable.first, let last = usable.last, points.last!.0 > points.first!.0
        else {
            return GrowthVerdict(
                kind: .unknown, explanation: "needs ok runs at two or more durations (bpbench run --scale 1,2,4)")
        }
        let perSecond = leastSquaresSlope(points)
        let growth = (points.last!.1 - points.first!.1) / points.first!.1
        let allowance = minimumBytesPerSecond * (points.last!.0 - points.first!.0)
        let p = MannWhitney.pGreater(last.samples(metric).map { $0 - allowance }, than: first.samples(metric))
        var verdict = GrowthVerdict(
            kind: .bounded, metric: metric.key, relativeGrowth: growth, pValue: p, scales: usable.map(\.scale),
            explanation: "")
        verdict.boundedPValue = MannWhitney.pGreater(
            first.samples(metric).map { $0 + allowance }, than: last.samples(metric))
        verdict.peakBytesPerSecond = perSecond
        let cost =
            "\(metric.title) \(String(format: "%+.1f%%", growth * 100)) from \(String(format: "%.1f", points.first!.0)) s to \(String(format: "%.1f", points.last!.0)) s; grows ≈ \(Format.bytes(perSecond))/s"
        verdict.classify(
            cost: cost, effect: perSecond, floor: minimumBytesPerSecond, floorText: "16 KiB/s", growing: .growsWithTime,
            repeats: (last.samples(metric).count, first.samples(metric).count))
        return verdict
    }

    /// The rule both axes share: above the effect floor and significantly beyond it → `growing`;
    /// significantly under the floor → bounded; neither → inconclusive, saying whether repeats
    /// or noise are to blame. `pValue` and `boundedPValue` must be set.
    mutating func classify(
        cost: String, effect: Double, floor: Double, floorText: String, growing: Kind, repeats: (Int, Int)
    ) {
        let p = pValue ?? 1
        let below = boundedPValue ?? 1
        let test = String(
            format: "Mann–Whitney p = %.3f for growth beyond the floor, %.3f for growth under it", p, below)
        let smallest = MannWhitney.smallestP(repeats.0, repeats.1)
        if effect >= floor, p < Self.alpha {
            kind = growing
            explanation = "\(cost) (\(test); beyond < \(Self.alpha))"
        } else if below <= Self.boundedAlpha {
            kind = .bounded
            explanation = "\(cost) (under the \(floorText) floor; \(test))"
        } else if effect >= floor {
            kind = .inconclusive
            let why =
                smallest >= Self.alpha
                ? String(format: "too few repeats: the smallest p possible is %.3f", smallest)
                : "noise too large at these sizes"
            explanation = "\(cost), but not significant (\(test); beyond ≥ \(Self.alpha): \(why))"
        } else {
            kind = .inconclusive
            let why =
                smallest > Self.boundedAlpha
                ? String(format: "too few repeats: the smallest p possible is %.3f", smallest)
                : "the repeats straddle the \(floorText) floor (noise too large at these sizes)"
            explanation =
                "\(cost): under the \(floorText) floor by its median, but not shown to stay under it (\(test); under > \(Self.boundedAlpha): \(why))"
        }
    }

    init(
        kind: Kind, metric: String? = nil, peakBytesPerInputByte: Double? = nil, peakBytesPerItem: Double? = nil,
        rssBytesPerInputByte: Double? = nil,
        relativeGrowth: Double? = nil, pValue: Double? = nil, scales: [Double]? = nil, explanation: String
    ) {
        self.kind = kind
        self.metric = metric
        self.peakBytesPerInputByte = peakBytesPerInputByte
        self.peakBytesPerItem = peakBytesPerItem
        self.rssBytesPerInputByte = rssBytesPerInputByte
        self.relativeGrowth = relativeGrowth
        self.pValue = pValue
        self.scales = scales
        self.explanation = explanation
    }

    static func leastSquaresSlope(_ points: [(Double, Double)]) -> Double {
        let meanX = points.map(\.0).reduce(0, +) / Double(points.count)
        let meanY = points.map(\.1).reduce(0, +) / Double(points.count)
        let covariance = points.map { ($0.0 - meanX) * ($0.1 - meanY) }.reduce(0, +)
        let variance = points.map { ($0.0 - meanX) * ($0.0 - meanX) }.reduce(0, +)
        return variance > 0 ? covariance / variance : 0
    }
}
