import BenchProtocol
import Foundation

/// `run.json`: the whole ``RunDocument`` (settings, environment, every record with its timeline).
public struct RunJSONExporter: Exporter {
    public let fileName = "run.json"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        String(decoding: try JSONLineCoding.prettyEncoder.encode(analysis.document), as: UTF8.self) + "\n"
    }
}
