import BenchModel
import BenchProtocol
import BenchStatistics

/// All repeats of one scenario at one scale, reduced to medians and ranges.
public struct ScenarioSummary: Sendable, Equatable {
    public var scenario: RowID
    public var scale: Double
    public var records: [RunRecord]
    /// Status counts, e.g. [.ok: 3] or [.ok: 2, .timeout: 1].
    public var statuses: [RunStatus: Int]
    /// Metric key → spread over the `ok` repeats only: a failed run is never fast.
    public var spreads: [String: Spread]
    /// Input bytes moved (median over ok repeats), for the growth fit.
    public var inputBytes: Double?
    /// Run duration in seconds (median over ok repeats), for growth with time.
    public var durationS: Double?

    public init(scenario: RowID, scale: Double, records: [RunRecord]) {
        self.scenario = scenario
        self.scale = scale
        self.records = records
        var statuses: [RunStatus: Int] = [:]
        for record in records { statuses[record.status, default: 0] += 1 }
        self.statuses = statuses
        let measured = records.filter { $0.status.isMeasurement }
        var spreads: [String: Spread] = [:]
        for metric in Metric.all(for: measured) {
            if let spread = Spread(measured.compactMap { metric.value($0) }) { spreads[metric.key] = spread }
        }
        self.spreads = spreads
        inputBytes = Spread(measured.map { Double($0.bytes) })?.median
        durationS = Spread(measured.map(\.durationS))?.median
    }

    /// `ok` when every repeat was ok; otherwise the status not ok first by name (the one to look at).
    public var status: RunStatus {
        if statuses.keys.count == 1, let only = statuses.keys.first { return only }
        return statuses.keys.filter { $0 != .ok }.min { $0.rawValue < $1.rawValue } ?? .ok
    }

    /// The status counts in the order reports list them (by status name).
    public var statusesByName: [(status: RunStatus, count: Int)] {
        statuses.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
    }

    public func median(_ metric: Metric) -> Double? { spreads[metric.key]?.median }

    /// The metric's value in every `ok` repeat, in repeat order (what the gate's tests take).
    public func samples(_ metric: Metric) -> [Double] {
        records.filter { $0.status.isMeasurement }.compactMap { metric.value($0) }
    }

    /// The metrics these repeats carry: the fixed ones and their gauges' maxima.
    public var metrics: [Metric] { Metric.all(for: records.filter { $0.status.isMeasurement }) }
}

/// Groups a run's records into summaries, in the order rows and scales first appear.
public func summarize(_ records: [RunRecord]) -> ScenarioSummaries {
    var order: [ScenarioSummaries.Key] = []
    var groups: [ScenarioSummaries.Key: [RunRecord]] = [:]
    for record in records {
        let key = ScenarioSummaries.Key(row: record.scenario, scale: record.scale)
        if groups[key] == nil { order.append(key) }
        groups[key, default: []].append(record)
    }
    return ScenarioSummaries(order.map { ScenarioSummary(scenario: $0.row, scale: $0.scale, records: groups[$0]!) })
}
