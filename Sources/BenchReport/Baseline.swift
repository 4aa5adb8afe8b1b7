import BenchCore
import BenchProtocol
import Foundation

/// `Reports/baseline.json`: the medians of a trusted run, per scenario and scale, as plain data.
public struct Baseline: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1

    /// One scenario at one scale.
    public struct Entry: Codable, Sendable, Equatable {
        public var scenario: String
        public var scale: Double
        public var status: String
        public var verdict: String
        /// Metric key → median over the ok repeats.
        public var medians: [String: Double]
        /// Metric key → median ÷ the reference scenario's median in the same run.
        public var ratiosToReference: [String: Double]
    }

    public var formatVersion: Int
    public var createdAt: String
    public var commit: String
    public var profile: String
    public var reference: String?
    public var entries: [Entry]

    /// The baseline a run would make.
    public init(_ analysis: RunAnalysis) {
        formatVersion = Self.currentFormatVersion
        createdAt = analysis.document.finishedAt
        commit = analysis.document.environment.gitCommit
        profile = analysis.document.profile
        reference = analysis.reference
        entries = analysis.summaries.map { summary in
            var medians: [String: Double] = [:]
            var ratios: [String: Double] = [:]
            for metric in Metric.all {
                medians[metric.key] = summary.median(metric)
                ratios[metric.key] = analysis.ratioToReference(summary, metric)
            }
            return Entry(scenario: summary.scenario, scale: summary.scale, status: summary.status,
                         verdict: analysis.verdicts[summary.scenario]?.kind.rawValue ?? GrowthVerdict.Kind.unknown.rawValue,
                         medians: medians, ratiosToReference: ratios)
        }
    }

    public static func load(_ path: String) throws(BenchError) -> Baseline {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BenchError(.noInput, "baseline \(path) does not exist (create it with: bpbench baseline update)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(.io, "cannot read baseline \(path)") }
        guard !data.isEmpty else { throw BenchError(.data, "baseline \(path) is empty") }
        struct Version: Decodable { var formatVersion: Int? }
        guard let version = try? JSONLineCoding.decoder.decode(Version.self, from: data) else {
            throw BenchError(.data, "baseline \(path) is not valid JSON (truncated or corrupt)")
        }
        guard version.formatVersion == currentFormatVersion else {
            throw BenchError(.data, "baseline \(path) has format version \(version.formatVersion.map(String.init) ?? "none"); this bpbench reads \(currentFormatVersion)")
        }
        do {
            return try JSONLineCoding.decoder.decode(Baseline.self, from: data)
        } catch {
            throw BenchError(.data, "baseline \(path) is not a bpbench baseline: \(error.localizedDescription)")
        }
    }

    public func write(to path: String) throws(BenchError) {
        let data: Data
        do { data = try JSONLineCoding.prettyEncoder.encode(self) } catch { throw BenchError(.software, "cannot encode baseline: \(error)") }
        try AtomicFile.write(data + Data("\n".utf8), to: path)
    }
}
