import BenchStatistics
import Foundation

/// Human renderings of measured values, one place for every report.
public enum Format {
    public static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = value
        var index = 0
        while abs(scaled) >= 1024, index < units.count - 1 {
            scaled /= 1024
            index += 1
        }
        return index == 0
            ? String(format: "%.0f B", scaled)
            : String(format: scaled >= 100 ? "%.0f %@" : "%.1f %@", scaled, units[index])
    }

    public static func value(_ value: Double, unit: Metric.Unit) -> String {
        switch unit {
        case .bytes: return bytes(value)
        case .bytesPerSecond: return bytes(value) + "/s"
        case .itemsPerSecond: return count(value) + "/s"
        case .seconds: return String(format: "%.3f s", value)
        case .microseconds:
            return value >= 10_000 ? String(format: "%.1f ms", value / 1000) : String(format: "%.0f µs", value)
        case .count: return count(value)
        }
    }

    public static func count(_ value: Double) -> String {
        if value >= 1e6 { return String(format: "%.2fM", value / 1e6) }
        if value >= 1e4 { return String(format: "%.1fk", value / 1e3) }
        return String(format: value == value.rounded() ? "%.0f" : "%.1f", value)
    }

    /// `12.3 MiB (12.1–12.9)`; just the median when all repeats agree or there is one.
    public static func spread(_ spread: Spread?, unit: Metric.Unit) -> String {
        guard let spread else { return "—" }
        let median = value(spread.median, unit: unit)
        guard spread.count > 1, spread.min != spread.max else { return median }
        return "\(median) (\(value(spread.min, unit: unit))–\(value(spread.max, unit: unit)))"
    }

    /// A time left: `45 s`, `6m12s`, `1h04m`.
    public static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }

    public static func ratio(_ value: Double) -> String {
        value >= 10 ? String(format: "%.0f×", value) : String(format: "%.2f×", value)
    }

    public static func scale(_ scale: Double) -> String {
        scale == scale.rounded() ? "×\(Int(scale))" : "×\(scale)"
    }
}
