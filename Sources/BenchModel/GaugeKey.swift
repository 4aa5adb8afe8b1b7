/// One scenario gauge (`queue_depth`, `in_flight_bytes`) and every name it goes by outside the
/// child, spelled here and nowhere else: its maximum in a run is the metric `max_NAME` (the
/// baseline's samples, thresholds, `check.md`), the column `max_gauge_NAME` in `results.csv`, and
/// its value per window the column `gauge_NAME` in `timeline.csv`. The three spellings predate
/// this type and are kept as they are, so reports, CSV files and baselines written before it read
/// the same.
public struct GaugeKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The name the scenario declared (`GaugeName` in ScenarioKit).
    public var name: String

    public init(_ name: String) { self.name = name }

    /// The prefix of a gauge's maximum as a metric: `max_queue_depth`.
    public static let metricPrefix = "max_"

    /// The gauge's maximum as a metric key (baseline, thresholds, `check.md`): `max_NAME`.
    public var metricKey: String { Self.metricPrefix + name }
    /// Its maximum's column in `results.csv`: `max_gauge_NAME`.
    public var resultsColumn: String { "max_gauge_" + name }
    /// Its per-window column in `timeline.csv`: `gauge_NAME`.
    public var timelineColumn: String { "gauge_" + name }

    /// The gauge a metric key names (`max_NAME`), or nil for any other key.
    public init?(metricKey key: String) {
        guard key.hasPrefix(Self.metricPrefix), key.count > Self.metricPrefix.count else { return nil }
        name = String(key.dropFirst(Self.metricPrefix.count))
    }

    /// Whether `key` is a gauge's maximum (`max_NAME`).
    public static func isMetricKey(_ key: String) -> Bool { GaugeKey(metricKey: key) != nil }

    /// The gauges named in `maps` (a record's maxima, a timeline's windows), sorted by name: the
    /// column order every export uses.
    public static func all<Value>(in maps: [[String: Value]]) -> [GaugeKey] {
        Set(maps.flatMap(\.keys)).sorted().map(GaugeKey.init)
    }

    public var description: String { name }

    public static func < (lhs: GaugeKey, rhs: GaugeKey) -> Bool { lhs.name < rhs.name }
}
