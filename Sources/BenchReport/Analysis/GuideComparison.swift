import BenchModel
import BenchProtocol
import BenchStatistics
import Foundation

/// Node's guide "Backpressuring in Streams" gzips a large file with and without respecting
/// `write()`'s return value and publishes its figures. The gzip-guide scenarios (Node and Swift)
/// rerun that experiment; this section puts the guide's published figures beside the run's own,
/// as ratios (ignoring ÷ respecting), because absolute figures depend on the file and the machine
/// and the guide names neither the file's size nor its machine.
public struct GuideComparison: Sendable, Equatable {
    /// Where the figures were published (first at nodejs.org/en/docs/guides/backpressuring-in-streams/).
    public static let sourceURL = "https://nodejs.org/en/learn/modules/backpressuring-in-streams"
    /// The guide's `/usr/bin/time -lp` maximum resident set sizes, in bytes.
    public static let guideRespectingMaxRSS = 87_810_048.0
    public static let guideIgnoringMaxRSS = 1_524_965_376.0
    /// The guide's average of five timed trials, in seconds (its table: 55299 ms and 55975 ms).
    public static let guideRespectingTimeS = 55.299
    public static let guideIgnoringTimeS = 55.975
    public static var guideRSSRatio: Double { guideIgnoringMaxRSS / guideRespectingMaxRSS }
    public static var guideTimeRatio: Double { guideIgnoringTimeS / guideRespectingTimeS }

    /// The judgment thresholds. Memory: the ignoring run must hold at least half its input more
    /// than the respecting run (the guide's point is that the file piles up, ≈ all of it, when
    /// reading outruns gzip). Time: within the claims' "small factor" (the guide: 1.013).
    public static let minimumHeldShare = 0.5
    public static let timeRatioRange = (1 / 1.5)...1.5

    /// The rows of each language: the respecting program and its ignoring variant.
    public static let rows: [(language: String, respecting: String, ignoring: String)] = [
        ("node", "node-gzip-guide", "node-gzip-guide/ignore-backpressure"),
        ("swift", "gzip-guide", "gzip-guide/ignore-backpressure"),
    ]

    public var language: String
    public var scale: Double
    public var inputBytes: Double
    /// Median peak RSS (the kernel's) of each row.
    public var respectingPeak: Double
    public var ignoringPeak: Double
    /// Median compression time (`gzip_s`, what the guide timed; the row's duration when absent).
    public var respectingTimeS: Double
    public var ignoringTimeS: Double

    public var rssRatio: Double { ignoringPeak / respectingPeak }
    public var timeRatio: Double { ignoringTimeS / respectingTimeS }
    /// What ignoring backpressure held on top of the respecting run, as a share of the input.
    public var heldShare: Double { (ignoringPeak - respectingPeak) / inputBytes }
    public var memoryMatches: Bool { heldShare >= Self.minimumHeldShare }
    public var timeMatches: Bool { Self.timeRatioRange.contains(timeRatio) }

    /// Each language whose two rows both have ok repeats, at the largest scale both ran.
    public static func measure(_ analysis: RunAnalysis) -> [GuideComparison] {
        rows.compactMap { row in
            let scales = Set(analysis.summaries.of(RowID(row.respecting)).map(\.scale))
                .intersection(analysis.summaries.of(RowID(row.ignoring)).map(\.scale))
            for scale in scales.sorted(by: >) {
                guard let respecting = figures(analysis, row.respecting, scale),
                    let ignoring = figures(analysis, row.ignoring, scale),
                    respecting.peak > 0, respecting.time > 0, ignoring.input > 0
                else { continue }
                return GuideComparison(
                    language: row.language, scale: scale, inputBytes: ignoring.input,
                    respectingPeak: respecting.peak, ignoringPeak: ignoring.peak,
                    respectingTimeS: respecting.time, ignoringTimeS: ignoring.time)
            }
            return nil
        }
    }

    /// Medians over a row's ok repeats at `scale`: peak RSS, compression time, input bytes.
    static func figures(
        _ analysis: RunAnalysis, _ row: String, _ scale: Double
    ) -> (peak: Double, time: Double, input: Double)? {
        guard let summary = analysis.summaries.summary(RowID(row), scale: scale) else {
            return nil
        }
        let measured = summary.records.filter { $0.status.isMeasurement }
        guard let peak = Spread(measured.map { Double($0.peakMemoryBytes) })?.median,
            let time = Spread(measured.map { $0.metrics["gzip_s"] ?? $0.durationS })?.median,
            let input = summary.inputBytes ?? Spread(measured.map { Double($0.result?.bytes ?? 0) })?.median
        else { return nil }
        return (peak, time, input)
    }

    /// The report section; empty when the run has no gzip-guide pair.
    public static func section(_ analysis: RunAnalysis) -> [String] {
        let measured = measure(analysis)
        guard !measured.isEmpty else { return [] }
        var lines = [
            "", "## The Node guide's gzip experiment, reproduced", "",
            "Node's guide *Backpressuring in Streams* (\(sourceURL)) gzips a large file with `readStream.pipe(gzip).pipe(writeStream)` "
                + "and again with `write()`'s return value ignored. **The guide's figures** (published, not measured here): max RSS "
                + "87.81 MB vs 1.52 GB (its /usr/bin/time bytes, 87,810,048 and 1,524,965,376), time \(String(format: "%.1f", guideRespectingTimeS)) s "
                + "vs \(String(format: "%.1f", guideIgnoringTimeS)) s (average of five trials). Its file's size is not given; a 1.52 GB peak "
                + "says it was over a GB. This run's figures are medians over ok repeats at the largest scale both rows ran; time is `gzip_s` "
                + "(the compression, without the verification that follows it).", "",
            "| | input | max RSS respecting | max RSS ignoring | RSS ratio ignoring ÷ respecting | time respecting | time ignoring | time ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            "| the guide (published) | not given | \(Format.bytes(guideRespectingMaxRSS)) | \(Format.bytes(guideIgnoringMaxRSS)) | "
                + "\(String(format: "%.1f×", guideRSSRatio)) | \(String(format: "%.1f s", guideRespectingTimeS)) | \(String(format: "%.1f s", guideIgnoringTimeS)) | "
                + "\(String(format: "%.3f", guideTimeRatio)) |",
        ]
        for entry in measured {
            lines.append(
                "| \(entry.language), this run \(Format.scale(entry.scale)) | \(Format.bytes(entry.inputBytes)) | \(Format.bytes(entry.respectingPeak)) | "
                    + "\(Format.bytes(entry.ignoringPeak)) | \(String(format: "%.2f×", entry.rssRatio)) | \(String(format: "%.2f s", entry.respectingTimeS)) | "
                    + "\(String(format: "%.2f s", entry.ignoringTimeS)) | \(String(format: "%.3f", entry.timeRatio)) |")
        }
        lines.append("")
        for entry in measured {
            let held = String(format: "%.2f", entry.heldShare)
            let memory =
                entry.memoryMatches
                ? "**memory matches**: ignoring held \(held) × the input more than respecting (the guide's shape: the file piles up ahead of gzip); "
                    + "the ratio itself is \(String(format: "%.2f×", entry.rssRatio)), not \(String(format: "%.1f×", guideRSSRatio)), because it is the input over the runtime's floor and this input is \(Format.bytes(entry.inputBytes))."
                : "**memory does not match**: ignoring held only \(held) × the input more than respecting (the guide's shape needs ≥ \(minimumHeldShare))."
            let time =
                entry.timeMatches
                ? "**time matches**: \(String(format: "%.3f", entry.timeRatio)) against the guide's \(String(format: "%.3f", guideTimeRatio)) (within ×1.5 either way: gzip is the slow stage in both)."
                : "**time does not match**: \(String(format: "%.3f", entry.timeRatio)) against the guide's \(String(format: "%.3f", guideTimeRatio)) (outside ×1.5 either way)."
            lines.append("- \(entry.language): \(memory) \(time)")
        }
        return lines
    }
}
