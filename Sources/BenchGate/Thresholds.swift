import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// How the gate judges each metric, as plain data (`Reports/thresholds.json`), with per-scenario
/// overrides.
///
/// ```json
/// { "formatVersion": 2, "alpha": 0.01,
///   "defaults":  { "peak_allocated_bytes": { "minEffect": 0.10 },
///                  "gauges":               { "minEffect": 0.10 },
///                  "throughput_bytes_per_s": { "minEffect": 0.15 } },
///   "scenarios": { "persistent-queue": { "max_backlog_rows": { "judge": "off", "why": "…" } } } }
/// ```
/// A change is a regression only when it is both **significant** (one-sided Mann–Whitney U over
/// the repeats, p < `alpha`) **and larger than `minEffect`** (a fraction of the baseline median):
/// significance alone would flag a 1 % shift between two machines; size alone would flag noise.
/// `judge` moves a metric between kinds (`baseline`: against the committed baseline; `same-job`:
/// against the base revision run in the same job; `off`: reported only) — e.g. a gauge that
/// follows the disk's speed rather than a mechanism's bound.
public struct Thresholds: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 2
    /// The key in `defaults` / `scenarios` that stands for every gauge maximum (`max_*`).
    public static let gaugesKey = "gauges"

    /// Where a metric is judged.
    public enum Judge: String, Codable, Sendable {
        case baseline
        case sameJob = "same-job"
        case off
    }

    /// The allowance for one metric.
    public struct Limit: Codable, Sendable, Equatable {
        /// Smallest worsening that counts, as a fraction of the baseline median (0.10 = 10 %).
        public var minEffect: Double?
        /// Overrides the metric's kind.
        public var judge: Judge?
        /// Why this entry exists (shown in the check report).
        public var why: String?

        public init(minEffect: Double? = nil, judge: Judge? = nil, why: String? = nil) {
            self.minEffect = minEffect
            self.judge = judge
            self.why = why
        }
    }

    public var formatVersion: Int
    /// Significance level of each test against the committed baseline (and of same-job tests
    /// when ``sameJobAlpha`` is not set).
    public var alpha: Double
    /// Significance level of each test against the base revision run in the same job. The
    /// committed file sets 0.001, which needs 7 repeats a side (6 + 6 cannot go below 0.0011):
    /// the gate's plan runs up to 7 for the rows still undecided at 5 (``GateRepeatRule``).
    public var sameJobAlpha: Double? = nil
    /// The effect a cell must pass is at least this many times its noise in the check itself (the
    /// pooled spread of each side's own log repeats; ``Gate/noiseFloor(before:after:factor:)``),
    /// however small its `minEffect`. With α = 0.001 same job and 7 repeats a side, 3 is what
    /// keeps the false alarms of a whole check under 0.5 % (`Scripts/gate-simulation.py`).
    /// Nil (files written before it existed): no noise floor.
    public var noiseFactor: Double? = nil
    public var defaults: [String: Limit]
    public var scenarios: [String: [String: Limit]]

    /// Built-in defaults, from repeated quick runs on a 2-core shared machine: peak allocated of a
    /// bounded scenario moves ≤ 3 % between repeats (pipeline-copy, whose writability overshoot
    /// is jittery, up to ±25 % — the test, not the floor, absorbs that), gauges set by a mechanism
    /// do not move at all; throughput of throttled scenarios moves < 1 %, unthrottled ones up to
    /// 10 %, latency p99 up to 40 % (one slow tick). 10 % memory and 15 % speed sit above the
    /// steady figures' noise and below every injected ×1.5 / ×0.5 regression.
    public static let standard = Thresholds(
        formatVersion: currentFormatVersion, alpha: 0.01,
        defaults: [
            Metric.peakAllocated.key: Limit(minEffect: 0.10),
            gaugesKey: Limit(minEffect: 0.10),
            Metric.peakRss.key: Limit(minEffect: 0.10),
            Metric.throughputBytes.key: Limit(minEffect: 0.15),
            Metric.latencyP50.key: Limit(minEffect: 0.15),
            Metric.latencyP99.key: Limit(minEffect: 0.25),
            Metric.cpu.key: Limit(minEffect: 0.15),
            // Kernel socket memory (SO_MEMINFO) is set by `socket_buffer`, but counted in the
            // kernel's own units, which another kernel may count differently.
            GaugeKey("socket_kernel_bytes").metricKey: Limit(
                minEffect: 0.10, judge: .sameJob,
                why: "kernel accounting differs between kernels"),
        ],
        scenarios: [:])

    /// The limit for `metric` in `scenario`: the scenario's own entry, then the defaults (the
    /// `gauges` entry for any gauge maximum). Nil means the metric is not gated.
    public func limit(for metric: Metric, scenario row: RowID) -> Limit? {
        let isGauge = GaugeKey.isMetricKey(metric.key)
        let scenario = row.description
        let own = scenarios[scenario]?[metric.key] ?? (isGauge ? scenarios[scenario]?[Self.gaugesKey] : nil)
        let fallback = defaults[metric.key] ?? (isGauge ? defaults[Self.gaugesKey] : nil)
        guard own != nil || fallback != nil else { return nil }
        return Limit(
            minEffect: own?.minEffect ?? fallback?.minEffect, judge: own?.judge ?? fallback?.judge,
            why: own?.why ?? fallback?.why)
    }

    /// The significance level of a test against `reference`.
    public func alpha(against reference: Judge) -> Double {
        reference == .sameJob ? sameJobAlpha ?? alpha : alpha
    }

    /// Where `metric` is judged in `scenario`: the data's override, else its kind; nil when not gated.
    public func judge(_ metric: Metric, scenario: RowID) -> Judge? {
        guard let limit = limit(for: metric, scenario: scenario), limit.minEffect != nil || limit.judge != nil else {
            return nil
        }
        if let judge = limit.judge { return judge == .off ? nil : judge }
        switch metric.stability {
        case .machineStable: return .baseline
        case .machineBound: return .sameJob
        case .reported: return nil
        }
    }

    public static func load(_ path: String?) throws(BenchError) -> Thresholds {
        guard let path else { return standard }
        let what = "thresholds file"
        let data = try JSONDocument.contents(of: path, what: what)
        let invalid = JSONDocument.invalid(what, path)
        try JSONDocument.requireFormat(
            try JSONDocument.declaredFormat(in: data, invalid: invalid), readable: [currentFormatVersion],
            of: "\(what) \(path)")
        let thresholds = try JSONDocument.decode(Thresholds.self, from: data, invalid: invalid)
        for key in thresholds.defaults.keys.sorted() + thresholds.scenarios.values.flatMap({ $0.keys }).sorted()
        where key != gaugesKey && Metric.named(key) == nil {
            throw BenchError(
                .data,
                "thresholds file \(path) names unknown metric '\(key)' (known: \(Metric.all.map(\.key).joined(separator: ", ")), gauges, max_<gauge>)"
            )
        }
        for limit in Array(thresholds.defaults.values) + thresholds.scenarios.values.flatMap({ $0.values }) {
            if let effect = limit.minEffect, !(effect >= 0 && effect.isFinite) {
                throw BenchError(.data, "thresholds file \(path) has a negative or non-finite minEffect")
            }
        }
        guard thresholds.alpha > 0, thresholds.alpha < 0.5 else {
            throw BenchError(.data, "thresholds file \(path): alpha must lie in (0, 0.5)")
        }
        if let factor = thresholds.noiseFactor, !(factor >= 0 && factor.isFinite) {
            throw BenchError(.data, "thresholds file \(path) has a negative or non-finite noiseFactor")
        }
        if let level = thresholds.sameJobAlpha, !(level > 0 && level < 0.5) {
            throw BenchError(.data, "thresholds file \(path): sameJobAlpha must lie in (0, 0.5)")
        }
        return thresholds
    }
}
