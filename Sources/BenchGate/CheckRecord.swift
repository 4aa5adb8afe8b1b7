import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `check.json`, beside `check.md`: a check's judgements as data — the verdict, every finding,
/// every cell as judged, and where it was judged (plan, shard, host, testbed). One model for the
/// three places it is written: an unsharded `bpbench check`, one shard of a check's plan
/// (`check --plan P --shard I/N`), and `bpbench merge` of those shards, which reads the shards'
/// files and writes the combined one.
///
/// Why a file and not re-judging the merged rows: each shard's same-job A/B ran the base
/// revision on that shard's machine; the merged folder has no base run that pairs with the
/// head's rows across machines, so the judgements made where both sides ran are the ones to keep.
public struct CheckRecord: Codable, Sendable, Equatable {
    public static let fileName = "check.json"
    public static let currentFormatVersion = 1

    /// What the gate says. A merge missing a shard's judgements is never `passed`.
    public enum Verdict: String, Codable, Sendable {
        case passed, failed
        /// No regression in the judgements present, but a shard's are missing: not a pass.
        case partial
        /// No regression, but rows to judge and no cell judged (``GateReport/notComparable``).
        case notComparable = "not-comparable"
    }

    /// One machine's part: which shard (nil unsharded), the host, its testbed, the baseline rows
    /// it judged, and what it found.
    public struct Site: Codable, Sendable, Equatable {
        public var shard: Int?
        public var hostname: String
        public var testbed: Testbed
        public var rows: [RowID]
        public var cells: Int
        public var findings: Int

        public init(shard: Int?, hostname: String, testbed: Testbed, rows: [RowID], cells: Int, findings: Int) {
            self.shard = shard
            self.hostname = hostname
            self.testbed = testbed
            self.rows = rows
            self.cells = cells
            self.findings = findings
        }
    }

    public var formatVersion: Int
    public var verdict: Verdict
    /// The baseline file as given, and ``PlanFile/contentDigest(_:)`` of its bytes.
    public var baseline: String
    public var baselineDigest: String
    /// Digest of the thresholds in force (canonical JSON): shards judged with other limits judged
    /// another gate.
    public var thresholdsDigest: String
    /// The head's source revision.
    public var revision: String
    /// With a check's plan: its ID and the number of shards it was cut into.
    public var planID: String?
    public var shards: Int?
    public var sites: [Site]
    /// Merged: shards of the plan whose judgements are absent (no folder, or no check.json).
    public var missingShards: [Int]
    public var findings: [Finding]
    public var judgements: [Judgement]
    public var notes: [String]
    /// The memory findings' what-grew profiles (absent when none ran).
    public var whatGrew: [WhatGrew]?
    /// The base revision had this tree's scenario code: no base side ran, the figure cells were
    /// not judged (absent otherwise; a merge sums its shards').
    public var sameCodeBase: SameCodeBase?

    /// The judgements of one check (unsharded, or one shard: `shard` and `planID` set).
    public init(
        report: GateReport, baseline: String, baselineDigest: String, thresholds: Thresholds, revision: String,
        planID: String?, shard: ShardSpec?, environment: HostEnvironment, rows: [RowID]
    ) {
        formatVersion = Self.currentFormatVersion
        verdict = !report.findings.isEmpty ? .failed : report.notComparable != nil ? .notComparable : .passed
        self.baseline = baseline
        self.baselineDigest = baselineDigest
        thresholdsDigest = Self.digest(thresholds)
        self.revision = revision
        self.planID = planID
        shards = shard?.count
        sites = [
            Site(
                shard: shard?.index, hostname: environment.hostname, testbed: Testbed(environment), rows: rows,
                cells: report.judgements.count, findings: report.findings.count)
        ]
        missingShards = []
        findings = report.findings
        judgements = report.judgements
        notes = report.notes
        whatGrew = report.whatGrew.isEmpty ? nil : report.whatGrew
        sameCodeBase = report.sameCodeBase
    }

    /// The fields as they are (a merge builds its record from the shards').
    public init(
        verdict: Verdict, baseline: String, baselineDigest: String, thresholdsDigest: String, revision: String,
        planID: String?, shards: Int?,
        sites: [Site], missingShards: [Int], findings: [Finding], judgements: [Judgement], notes: [String]
    ) {
        formatVersion = Self.currentFormatVersion
        self.verdict = verdict
        self.baseline = baseline
        self.baselineDigest = baselineDigest
        self.thresholdsDigest = thresholdsDigest
        self.revision = revision
        self.planID = planID
        self.shards = shards
        self.sites = sites
        self.missingShards = missingShards
        self.findings = findings
        self.judgements = judgements
        self.notes = notes
    }

    /// The judgements as a ``GateReport`` (for `check.md`'s cell table).
    public var report: GateReport {
        var report = GateReport()
        report.findings = findings
        report.judgements = judgements
        report.notes = notes
        report.whatGrew = whatGrew ?? []
        report.sameCodeBase = sameCodeBase
        return report
    }

    public static func digest(_ thresholds: Thresholds) -> String {
        PlanFile.contentDigest((try? JSONLineCoding.encoder.encode(thresholds)) ?? Data())
    }

    /// Writes `directory/check.json` atomically.
    public func write(into directory: String) throws(BenchError) {
        try AtomicFile.write(try encoded(), to: directory + "/" + Self.fileName)
    }

    /// The file's bytes (pretty JSON, newline-terminated).
    public func encoded() throws(BenchError) -> Data {
        do {
            return try JSONLineCoding.prettyEncoder.encode(self) + Data("\n".utf8)
        } catch {
            throw BenchError(.software, "cannot encode \(Self.fileName): \(error)")
        }
    }

    /// Reads `directory/check.json`: nil when there is none; 65 when it is not one this bpbench
    /// wrote (torn, edited, another format version).
    public static func load(from directory: String) throws(BenchError) -> CheckRecord? {
        let path = directory + "/" + fileName
        guard
            let record = try JSONDocument.loadIfPresent(
                CheckRecord.self, from: path, what: "check record",
                invalid: { "\(path) is corrupt (not a check.json bpbench check wrote): \(JSONDocument.problem($0))" })
        else { return nil }
        try JSONDocument.requireFormat(record.formatVersion, readable: [currentFormatVersion], of: path)
        return record
    }
}

// MARK: Coding the gate's values

extension Metric.Unit: Codable {}
