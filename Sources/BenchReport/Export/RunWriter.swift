import BenchProtocol
import BenchSystem
import Foundation

/// Writes a run's exports (CSV, JSON, markdown, charts) into its folder, each atomically. The
/// folder itself — creation, journal, `run.json` loading, `Reports/latest` — is ``RunFolder``.
public enum RunWriter {
    /// Renders and writes every exporter's file into `directory`, and those of `formats`.
    public static func write(
        _ analysis: RunAnalysis, to directory: String, exporters: [any Exporter] = Exporters.all + ChartExporters.all,
        formats: [ExportFormat] = []
    ) throws(BenchError) {
        for exporter in exporters + formats.flatMap(\.exporters) + FlameGraphExporter.exporters(for: analysis) {
            let text: String
            do {
                text = try exporter.render(analysis)
            } catch {
                throw BenchError(.software, "cannot render \(exporter.fileName): \(error)")
            }
            try AtomicFile.write(text, to: directory + "/" + exporter.fileName)
        }
    }
}
