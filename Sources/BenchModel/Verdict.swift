import BenchSystem
import Foundation

/// What a `run` or `check` ended with, written as JSON for a CI step to read: SwiftPM squashes a
/// command plugin's exit code to 0 or 1 (ordo-one/package-benchmark#235), so
/// `swift package bpbench check` alone cannot tell a regression (1) from a crash or a baseline
/// that is not comparable (65).
///
/// Written on every `run` and `check`, whatever the outcome, to `Reports/verdict.json` (this
/// invocation's, always), and — when the command made a run folder — into that folder too, so
/// `Reports/latest/verdict.json` is the verdict of the run `latest` points at. A command that
/// stopped before making a run folder leaves `latest` (and its verdict) alone: read
/// `Reports/verdict.json` to know how *this* invocation ended.
public struct Verdict: Codable, Sendable, Equatable {
    /// The file's format, for readers to refuse one they do not know.
    public var formatVersion = 1
    /// `run` or `check`.
    public var command: String
    /// The process's exit code (sysexits; 1 a regression, 3 rows not ok in `run`).
    public var exitCode: Int32
    /// How the command ended, as a CI step branches on it.
    public enum Outcome: String, Codable, Sendable {
        case pass, regression
        /// `run` only: a row did not end ok (exit 3).
        case rowsNotOk = "rows-not-ok"
        /// `check` only: the run cannot be compared with the baseline (exit 65).
        case notComparable = "not-comparable"
        case interrupted, error
    }

    public var outcome: Outcome
    /// Regressions the gate found (`check` only; nil when it did not get as far as judging).
    public var findings: Int?
    /// Why the run could not be compared with the baseline (exit 65 from `check`), or nil.
    public var notComparableReason: String?
    /// The error line for any other failure, or nil.
    public var error: String?
    /// The run folder this invocation wrote, or nil when it stopped before making one.
    public var runFolder: String?
    /// UTC, ISO 8601.
    public var finishedAt: String

    public static let fileName = "verdict.json"

    public init(
        command: String, exitCode: Int32, findings: Int?, errorLine: String?, runFolder: String?,
        finishedAt: Date = Date()
    ) {
        self.command = command
        self.exitCode = exitCode
        self.findings = findings
        self.runFolder = runFolder
        let dataError = exitCode == BenchError.Kind.data.rawValue
        switch exitCode {
        case 0: outcome = .pass
        case 1: outcome = command == "check" ? .regression : .error
        case 3 where command == "run": outcome = .rowsNotOk
        case BenchError.Kind.interrupted.rawValue: outcome = .interrupted
        default:
            outcome =
                dataError && command == "check" && (errorLine?.contains("not comparable") ?? false)
                ? .notComparable : .error
        }
        notComparableReason = outcome == .notComparable ? errorLine : nil
        error = outcome == .error || outcome == .rowsNotOk ? errorLine : nil
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        self.finishedAt = formatter.string(from: finishedAt)
    }

    /// Writes `Reports/verdict.json` under `projectRoot` and, when given, `runFolder/verdict.json`.
    public func write(projectRoot: String) throws(BenchError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(self) + Data("\n".utf8)
        } catch {
            throw BenchError(.software, "cannot encode the verdict: \(error)")
        }
        let reports = projectRoot + "/Reports"
        do {
            try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)
        } catch {
            throw BenchError(.cannotCreate, "cannot create \(reports): \(error.localizedDescription)")
        }
        try AtomicFile.write(data, to: reports + "/" + Self.fileName)
        if let runFolder, FileManager.default.fileExists(atPath: runFolder) {
            try AtomicFile.write(data, to: runFolder + "/" + Self.fileName)
        }
    }
}
