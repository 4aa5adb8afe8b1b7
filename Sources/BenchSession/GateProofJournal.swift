import BenchGate
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// `gate-proof`'s record of its finished steps, `proof-state.json` in the proof's folder: what
/// identifies the proof, each session that worked on it, and every step (an injected cell, an
/// unchanged check) with its result. A full proof is ≈ 2.2 h of a quiet machine; a cut — kill -9,
/// Ctrl-C, a session's end — used to lose all of it but `gate-proof.md`. With this record,
/// `gate-proof --resume DIR` runs only the steps not yet finished.
///
/// The whole record is rewritten atomically (``AtomicFile``: temporary file, fsync, rename) after
/// each step, so a cut leaves the record before the step or after it, never half of it. A step is
/// recorded only once it finished and was judged; one that was in flight when the proof was cut
/// left a partial run folder and no record, and is run again from an empty folder.
package struct GateProofJournal {
    package static let fileName = "proof-state.json"
    static let formatVersion = 1

    /// What a proof's figures depend on. A resumed proof must match it field for field: steps
    /// measured on another tree, baseline, thresholds, option or machine would make one table of
    /// two experiments.
    package struct Identity: Codable, Equatable, Sendable {
        /// The harness's commit (`git rev-parse`, as run.json records it).
        package var commit: String
        /// A digest of the working tree's scenario inputs (``ScenarioCatalog/scenarioInputs``),
        /// uncommitted edits included: the binaries both sides run.
        package var scenarioInputs: String
        /// Digests of the proof file, the baseline and the thresholds in force.
        package var proofFile: String
        package var baseline: String
        package var thresholds: String
        package var checks: Int
        package var scenarios: [String]
        /// The children's CPU set, resolved.
        package var cpus: String
        package var fixedRepeats: Bool
        /// The machine (``HostFingerprint``) and its kernel.
        package var host: String

        package init(
            commit: String, scenarioInputs: String, proofFile: String, baseline: String, thresholds: String,
            checks: Int, scenarios: [String], cpus: String, fixedRepeats: Bool, host: String
        ) {
            self.commit = commit
            self.scenarioInputs = scenarioInputs
            self.proofFile = proofFile
            self.baseline = baseline
            self.thresholds = thresholds
            self.checks = checks
            self.scenarios = scenarios
            self.cpus = cpus
            self.fixedRepeats = fixedRepeats
            self.host = host
        }

        /// What differs from `now`, in words ("--checks 30 → 2"); nil when nothing does.
        package func difference(to now: Identity) -> String? {
            let fields: [(String, String, String)] = [
                ("commit", commit, now.commit), ("scenario inputs (digest)", scenarioInputs, now.scenarioInputs),
                ("proof file (digest)", proofFile, now.proofFile), ("baseline (digest)", baseline, now.baseline),
                ("thresholds (digest)", thresholds, now.thresholds), ("--checks", String(checks), String(now.checks)),
                (
                    "--scenario", scenarios.isEmpty ? "(all)" : scenarios.joined(separator: ","),
                    now.scenarios.isEmpty ? "(all)" : now.scenarios.joined(separator: ",")
                ),
                ("--cpus", cpus, now.cpus), ("--fixed-repeats", String(fixedRepeats), String(now.fixedRepeats)),
                ("host", host, now.host),
            ]
            let differing = fields.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1) → \($0.2)" }
            return differing.isEmpty ? nil : differing.joined(separator: "; ")
        }
    }

    /// One session that worked on the proof: when it started and when it last recorded anything.
    package struct Session: Codable, Equatable, Sendable {
        package var started: Date
        package var lastActive: Date
    }

    /// A finished step's result.
    package enum Result: Codable {
        case cell(ProofTable.Cell)
        case unchanged(ProofTable.UnchangedCheck)
    }

    /// A finished step: its ID (the run folder it wrote, relative to the proof's), when it ran, and
    /// its result.
    package struct Step: Codable {
        package var id: String
        package var started: Date
        package var finished: Date
        package var result: Result
    }

    struct State: Codable {
        var formatVersion: Int
        var identity: Identity
        var sessions: [Session]
        var steps: [Step]
    }

    package let directory: String
    private(set) var state: State

    /// The steps finished so far, in the order they finished.
    package var steps: [Step] { state.steps }
    package var sessions: [Session] { state.sessions }
    var path: String { directory + "/" + Self.fileName }

    /// A new proof in `directory` (just created): its identity recorded before any step runs.
    package static func start(directory: String, identity: Identity, now: Date = Date()) throws(BenchError) -> Self {
        let journal = Self(
            directory: directory,
            state: State(
                formatVersion: formatVersion, identity: identity, sessions: [Session(started: now, lastActive: now)],
                steps: []))
        try journal.save()
        return journal
    }

    /// The proof in `directory`, continued by a new session: refused (65, one line naming the
    /// difference) when its identity is not `identity`; 66 when the folder holds no proof.
    package static func resume(directory: String, identity: Identity, now: Date = Date()) throws(BenchError) -> Self {
        var state = try JSONDocument.load(
            State.self, from: directory + "/" + fileName, what: "gate proof record", decoder: decoder,
            missing:
                "--resume \(directory): no gate proof to resume there (no \(fileName); a proof started before --resume existed cannot be resumed)"
        ) { "--resume \(directory): \(fileName) is unreadable: \(JSONDocument.problem($0))" }
        guard state.formatVersion == formatVersion else {
            throw BenchError(
                .data,
                "--resume \(directory): \(fileName) has format \(state.formatVersion); this bpbench reads \(formatVersion)"
            )
        }
        if let difference = state.identity.difference(to: identity) {
            throw BenchError(
                .data,
                "--resume \(directory): not the same proof — \(difference) (start a new proof, or resume with the options it was started with)"
            )
        }
        state.sessions.append(Session(started: now, lastActive: now))
        let journal = Self(directory: directory, state: state)
        try journal.save()
        return journal
    }

    /// The result of step `id` when an earlier session finished it.
    package func finished(_ id: String) -> Result? {
        state.steps.first { $0.id == id }?.result
    }

    /// Step `id`: its recorded result when it finished in an earlier session (`resumed` true),
    /// else `run`'s, run in an empty `directory/id` (a folder left by a step cut in flight is
    /// removed first) and recorded before it is returned. Nothing is recorded when `run` throws.
    package mutating func step(
        _ id: String, now: () -> Date = Date.init, run: (_ folder: String) throws(BenchError) -> Result
    ) throws(BenchError) -> (result: Result, resumed: Bool) {
        if let done = finished(id) { return (done, true) }
        let folder = directory + "/" + id
        if FileManager.default.fileExists(atPath: folder) {
            do { try FileManager.default.removeItem(atPath: folder) } catch {
                throw BenchError(
                    .cannotCreate, "cannot clear \(folder), left by a step cut in flight: \(error.localizedDescription)"
                )
            }
        }
        _ = try RunFolder.create(exactly: folder)
        let started = now()
        let result = try run(folder)
        let finished = now()
        state.steps.append(Step(id: id, started: started, finished: finished, result: result))
        state.sessions[state.sessions.count - 1].lastActive = finished
        try save()
        return (result, false)
    }

    /// Marks the current session active until `now` (the proof's end) and saves.
    package mutating func close(now: Date = Date()) throws(BenchError) {
        state.sessions[state.sessions.count - 1].lastActive = now
        try save()
    }

    /// The minutes the proof's sessions worked, up to `now` for the current one.
    package func minutes(now: Date = Date()) -> Double {
        state.sessions.enumerated().map { index, session in
            (index == state.sessions.count - 1 ? max(now, session.lastActive) : session.lastActive)
                .timeIntervalSince(session.started)
        }.reduce(0, +) / 60
    }

    /// Each session's span in UTC ("2026-12-02 05:10–06:25"; the end date too when it differs).
    package func spans(now: Date = Date()) -> [String] {
        let day = Self.formatter("yyyy-MM-dd")
        let time = Self.formatter("HH:mm")
        return state.sessions.enumerated().map { index, session in
            let end = index == state.sessions.count - 1 ? max(now, session.lastActive) : session.lastActive
            let sameDay = day.string(from: session.started) == day.string(from: end)
            return "\(day.string(from: session.started)) \(time.string(from: session.started))–"
                + (sameDay ? "" : day.string(from: end) + " ") + time.string(from: end) + " UTC"
        }
    }

    static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }

    func save() throws(BenchError) {
        let data: Data
        do { data = try Self.encoder.encode(state) } catch {
            throw BenchError(.software, "cannot encode \(path): \(error)")
        }
        try AtomicFile.write(data, to: path)
    }

    /// The project's JSON style (``JSONLineCoding``), pretty, with ISO 8601 times.
    static var encoder: JSONEncoder {
        let encoder = JSONLineCoding.prettyEncoder
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONLineCoding.decoder
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
