import BenchModel
import BenchProtocol
import BenchStatistics
import Foundation

/// `results.json`: the same rows as results.csv, typed, plus summaries, verdicts and claims —
/// for tools that would rather not parse CSV. Timelines stay in run.json.
public struct ResultsJSONExporter: Exporter {
    public let fileName = "results.json"
    public init() {}

    struct Summary: Codable {
        var scenario: RowID
        var scale: Double
        var status: RunStatus
        var statuses: [String: Int]
        var inputBytes: Double?
        var medians: [String: Spread]
        var ratiosToReference: [String: Double]
    }

    struct Body: Codable {
        var formatVersion: Int
        var profile: String
        var reference: String?
        var environment: HostEnvironment
        var results: [RunRecord]
        var summaries: [Summary]
        var verdicts: [String: GrowthVerdict]
        var claims: [ClaimOutcome]
    }

    public func render(_ analysis: RunAnalysis) throws -> String {
        let summaries = analysis.summaries.map { summary in
            var ratios: [String: Double] = [:]
            for metric in Metric.all { ratios[metric.key] = analysis.ratioToReference(summary, metric) }
            return Summary(
                scenario: summary.scenario, scale: summary.scale, status: summary.status,
                statuses: Dictionary(uniqueKeysWithValues: summary.statuses.map { ($0.key.rawValue, $0.value) }),
                inputBytes: summary.inputBytes, medians: summary.spreads, ratiosToReference: ratios)
        }
        let results = analysis.document.records.map { record -> RunRecord in
            var copy = record
            copy.timeline = []
            return copy
        }
        let body = Body(
            formatVersion: RunDocument.currentFormatVersion, profile: analysis.document.profile,
            reference: analysis.reference?.description,
            environment: analysis.document.environment, results: results, summaries: summaries,
            verdicts: Dictionary(uniqueKeysWithValues: analysis.verdicts.map { ($0.key.description, $0.value) }),
            claims: analysis.claims)
        return String(decoding: try JSONLineCoding.prettyEncoder.encode(body), as: UTF8.self) + "\n"
    }
}
