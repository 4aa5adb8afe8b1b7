import BenchCore
import BenchProtocol
import Foundation

/// Creates run folders and writes a run's files, each atomically, then (for a complete run)
/// points `Reports/latest` at it.
public enum RunWriter {
    /// Creates `<parent>/<timestamp>` (with a numeric suffix if taken, so two runs started in the
    /// same second never share a folder) and its `logs/` subfolder.
    public static func createRunDirectory(under parent: String, startedAt date: Date = Date()) throws(BenchError) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: date)
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw BenchError(.cannotCreate, "cannot create \(parent): \(error.localizedDescription)")
        }
        for attempt in 0..<1000 {
            let path = parent + "/" + stamp + (attempt == 0 ? "" : "-\(attempt)")
            if mkdir(path, 0o755) == 0 {
                guard mkdir(path + "/logs", 0o755) == 0 else { break }
                return path
            }
            if errno != EEXIST { break }
        }
        throw BenchError(.cannotCreate, "cannot create a run folder under \(parent): \(String(cString: strerror(errno)))")
    }

    /// Renders and writes every exporter's file into `directory`.
    public static func write(_ analysis: RunAnalysis, to directory: String, exporters: [any Exporter] = Exporters.all + ChartExporters.all) throws(BenchError) {
        for exporter in exporters {
            let text: String
            do {
                text = try exporter.render(analysis)
            } catch {
                throw BenchError(.software, "cannot render \(exporter.fileName): \(error)")
            }
            try AtomicFile.write(text, to: directory + "/" + exporter.fileName)
        }
    }

    /// Reads a run folder's `run.json`.
    public static func load(runDirectory: String) throws(BenchError) -> RunDocument {
        let path = runDirectory + "/run.json"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BenchError(.noInput, "\(runDirectory) is not a folder")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchError(.noInput, "\(runDirectory) is not a run folder (no run.json)")
        }
        do {
            let document = try JSONLineCoding.decoder.decode(RunDocument.self, from: data)
            guard document.formatVersion == RunDocument.currentFormatVersion else {
                throw BenchError(.data, "\(path) has format version \(document.formatVersion); this bpbench reads \(RunDocument.currentFormatVersion)")
            }
            return document
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError(.data, "\(path) is not a valid run file: \(error.localizedDescription)")
        }
    }
}
