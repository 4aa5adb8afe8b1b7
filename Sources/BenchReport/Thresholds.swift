import BenchCore
import BenchProtocol
import Foundation

/// How far a figure may move before `bpbench check` calls it a regression, as plain data
/// (`Reports/thresholds.json`), with per-scenario overrides.
///
/// ```json
/// { "formatVersion": 1,
///   "defaults":  { "peak_rss_bytes": { "relative": 0.25, "absoluteBytes": 8388608 },
///                  "throughput_bytes_per_s": { "relative": 0.30 } },
///   "scenarios": { "ignored-drain": { "peak_rss_bytes": { "relative": 0.40 } } } }
/// ```
/// Memory metrics fail when they grow by more than `relative` **and** more than `absoluteBytes`
/// (so a 2 MiB wobble on a 30 MiB process never fails). Speed metrics are compared as ratios to
/// the reference scenario measured in the same run, which cancels a slower or busier machine.
public struct Thresholds: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1

    /// The allowance for one metric.
    public struct Limit: Codable, Sendable, Equatable {
        /// Allowed worsening as a fraction of the baseline (0.25 = 25 %).
        public var relative: Double
        /// For byte metrics: a worsening below this many bytes never fails.
        public var absoluteBytes: Double?

        public init(relative: Double, absoluteBytes: Double? = nil) {
            self.relative = relative
            self.absoluteBytes = absoluteBytes
        }
    }

    public var formatVersion: Int
    public var defaults: [String: Limit]
    public var scenarios: [String: [String: Limit]]

    /// Defaults chosen from repeated quick runs on a 2-core shared machine (see README): peak
    /// RSS medians moved under 5 % between runs, throughput ratios under 10 %.
    public static let standard = Thresholds(
        formatVersion: currentFormatVersion,
        defaults: [
            Metric.peakRss.key: Limit(relative: 0.25, absoluteBytes: 8 * 1024 * 1024),
            Metric.peakAllocated.key: Limit(relative: 0.25, absoluteBytes: 4 * 1024 * 1024),
            Metric.throughputBytes.key: Limit(relative: 0.30),
        ],
        scenarios: [:])

    public func limit(for metric: String, scenario: String) -> Limit? {
        scenarios[scenario]?[metric] ?? defaults[metric]
    }

    public static func load(_ path: String?) throws(BenchError) -> Thresholds {
        guard let path else { return standard }
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(.noInput, "thresholds file \(path) does not exist") }
        let thresholds: Thresholds
        do {
            thresholds = try JSONLineCoding.decoder.decode(Thresholds.self, from: data)
        } catch {
            throw BenchError(.data, "thresholds file \(path) is not valid: \(error.localizedDescription)")
        }
        guard thresholds.formatVersion == currentFormatVersion else {
            throw BenchError(.data, "thresholds file \(path) has format version \(thresholds.formatVersion); this bpbench reads \(currentFormatVersion)")
        }
        let known = Set(Metric.all.map(\.key))
        for key in thresholds.defaults.keys.sorted() + thresholds.scenarios.values.flatMap({ $0.keys }).sorted() where !known.contains(key) {
            throw BenchError(.data, "thresholds file \(path) names unknown metric '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        for limit in thresholds.defaults.values.map({ $0 }) + thresholds.scenarios.values.flatMap({ $0.values }) where !(limit.relative >= 0) {
            throw BenchError(.data, "thresholds file \(path) has a negative or missing relative limit")
        }
        return thresholds
    }
}
