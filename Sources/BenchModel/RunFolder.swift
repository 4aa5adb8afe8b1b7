import BenchProtocol
import BenchSystem
import Foundation

/// One run's folder, and everything about its layout: creating it, naming its logs, the journal
/// that keeps each finished row as soon as it ends, `run.json`, the base revision's side of an
/// A/B (`base/`, itself a run folder), and whether `Reports/latest` may point at it — with the
/// project's `Reports/` layout (``Reports``) it lives in. `run`, `check` and `gate-proof` create,
/// journal, recover and link their runs through it alike.
///
/// Why a journal: `run.json` is written once the plan ends. A harness killed before that (SIGKILL,
/// the machine's OOM killer, a CI step's timeout) would otherwise leave only `logs/`. Each finished
/// row is appended to `journal.jsonl` and fsynced before the next child starts, so a run killed at
/// any moment loses at most the row in flight; `bpbench report DIR` rebuilds `run.json` and every
/// export from the journal.
public struct RunFolder: Sendable {
    public static let documentName = "run.json"
    public static let journalName = "journal.jsonl"

    /// The folder's path.
    public let path: String
    public var logsPath: String { path + "/logs" }
    public var documentPath: String { path + "/" + Self.documentName }
    public var journalPath: String { path + "/" + Self.journalName }

    /// A folder that already exists (to read or re-render).
    public init(existing path: String) { self.path = path }

    /// The project's `Reports/` folder: what bpbench generates there, and where.
    public struct Reports: Sendable {
        public let path: String

        public init(projectRoot: String) { path = projectRoot + "/Reports" }

        /// One folder per run, named by its UTC start time.
        public var runs: String { path + "/runs" }
        /// A link to the last run that finished, relative (so the checkout can move).
        public var latest: String { path + "/latest" }
        /// Inputs scenarios make once and reuse (files to copy, queue files), shared by every run.
        public var cache: String { path + "/cache" }

        /// A run folder argument: a path as given, or (nil, `latest`) the run `latest` points at.
        public func runFolder(_ argument: String?) throws(BenchError) -> RunFolder {
            if let argument, argument != "latest" { return RunFolder(existing: argument) }
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: latest) else {
                throw BenchError(
                    .noInput, "no run yet: \(latest) does not exist (run bpbench run first, or pass --run DIR)")
            }
            return RunFolder(existing: target.hasPrefix("/") ? target : path + "/" + target)
        }
    }

    /// `--out DIR` exactly (refused if it holds files), else a new `Reports/runs/<timestamp>`.
    public static func create(out: String?, in reports: Reports) throws(BenchError) -> RunFolder {
        if let out { return try create(exactly: out) }
        return try create(under: reports.runs)
    }

    /// The base revision's side of an A/B run: `base/` inside this folder, a run folder of its own.
    public var base: RunFolder { RunFolder(existing: path + "/base") }

    /// Creates ``base`` (with its `logs/`).
    public func createBase() throws(BenchError) -> RunFolder { try Self.create(exactly: base.path) }

    /// Whether a run was recorded here: its `run.json`, or the journal of one that did not finish.
    public var holdsRun: Bool {
        FileManager.default.fileExists(atPath: documentPath) || FileManager.default.fileExists(atPath: journalPath)
    }

    /// Creates `<parent>/<UTC timestamp>` (with a numeric suffix if taken, so two runs started in
    /// the same second never share a folder) and its `logs/`.
    public static func create(under parent: String, startedAt date: Date = Date()) throws(BenchError) -> RunFolder {
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
                return RunFolder(existing: path)
            }
            if errno != EEXIST { break }
        }
        throw BenchError(
            .cannotCreate, "cannot create a run folder under \(parent): \(String(cString: strerror(errno)))")
    }

    /// Creates exactly `path` (`--out`); refuses one that already has files, so a run never
    /// overwrites another.
    public static func create(exactly path: String) throws(BenchError) -> RunFolder {
        let fileManager = FileManager.default
        if let contents = try? fileManager.contentsOfDirectory(atPath: path), !contents.isEmpty {
            throw BenchError(.cannotCreate, "--out \(path) already exists and is not empty; choose a new folder")
        }
        do {
            try fileManager.createDirectory(atPath: path + "/logs", withIntermediateDirectories: true)
        } catch {
            throw BenchError(.cannotCreate, "cannot create --out \(path): \(error.localizedDescription)")
        }
        guard access(path, W_OK) == 0 else { throw BenchError(.cannotCreate, "cannot write to --out \(path)") }
        return RunFolder(existing: (path as NSString).standardizingPath)
    }

    /// The log file name of one step, named so a person finds it: `row-xSCALE-rN.log` (`/` in a
    /// variant's row becomes `+`).
    public static func logFileName(for step: RunPlan.Step) -> String {
        let label = step.isWarmup ? "warmup" : "r\(step.repeatIndex)"
        let scale = step.scale == step.scale.rounded() ? String(Int(step.scale)) : String(step.scale)
        return "\(step.row.description.replacingOccurrences(of: "/", with: "+"))-x\(scale)-\(label).log"
    }

    // MARK: Journal

    /// One line of `journal.jsonl`: the run's header first (the document without records), then one
    /// line per recorded row, in the order they finished.
    struct JournalLine: Codable {
        var header: RunDocument?
        var record: RunRecord?
    }

    /// Starts the journal with the run's header (settings, environment, claims).
    public func startJournal(_ document: RunDocument) throws(BenchError) -> RunJournal {
        var header = document
        header.records = []
        let journal = try RunJournal(path: journalPath)
        try journal.append(JournalLine(header: header))
        return journal
    }

    /// The run as recorded: `run.json` when the run finished writing it, else the document rebuilt
    /// from the journal (marked interrupted and recovered). A torn last line — the harness killed
    /// mid-write — is the row in flight and is dropped.
    public func load() throws(BenchError) -> RunDocument {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BenchError(.noInput, "\(path) is not a folder")
        }
        if let document = try JSONDocument.loadIfPresent(
            RunDocument.self, from: documentPath, what: "run file",
            invalid: { "\(documentPath) is not a valid run file: \(JSONDocument.problem($0))" })
        {
            try Self.requireReadable(document.formatVersion, in: documentPath)
            return document
        }
        let journal = try JSONDocument.contents(
            of: journalPath, what: "run journal",
            missing: "\(path) is not a run folder (no \(Self.documentName), no \(Self.journalName))")
        return try Self.recover(journal, from: journalPath)
    }

    /// Points `Reports/latest` at this folder when the folder is inside `Reports/`. A run written
    /// elsewhere with `--out` leaves the link alone: the repository's link never leads out of it.
    /// Returns whether it pointed the link.
    @discardableResult
    public func pointLatest(_ reports: Reports) throws(BenchError) -> Bool {
        let prefix = (reports.path as NSString).standardizingPath + "/"
        let own = (path as NSString).standardizingPath
        guard own.hasPrefix(prefix) else { return false }
        try AtomicFile.pointLink(prefix + "latest", at: String(own.dropFirst(prefix.count)))
        return true
    }

    /// Refuses (65) a run document or journal of another format than this bpbench writes.
    static func requireReadable(_ formatVersion: Int, in path: String) throws(BenchError) {
        try JSONDocument.requireFormat(formatVersion, readable: [RunDocument.currentFormatVersion], of: path)
    }

    static func recover(_ journal: Data, from path: String) throws(BenchError) -> RunDocument {
        let lines = journal.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let first = lines.first,
            let header = try? JSONLineCoding.decoder.decode(JournalLine.self, from: Data(first)).header
        else {
            throw BenchError(.data, "\(path) does not start with a run header; cannot recover the run")
        }
        try requireReadable(header.formatVersion, in: path)
        var document = header
        for line in lines.dropFirst() {
            // Only the last line can be torn (appends are sequential and fsynced); skip it.
            guard let record = try? JSONLineCoding.decoder.decode(JournalLine.self, from: Data(line)).record else {
                continue
            }
            document.adopt(record)
        }
        if !(document.recoveredFromJournal ?? false) {
            document.recoveredFromJournal = true
            document.interrupted = true
        }
        return document
    }
}
