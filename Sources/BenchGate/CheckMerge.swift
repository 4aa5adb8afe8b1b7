import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// The judgements of a check's shards (`bpbench check --plan P --shard I/N`) combined into one
/// verdict: what `bpbench merge` writes as `check.md` and `check.json` beside the merged rows.
///
/// Each shard judged its own rows — against the committed baseline, and against the base
/// revision it ran interleaved on the same machine — so the cells are kept as judged, never
/// re-judged across machines. The merged verdict is *failed* when any shard found a regression,
/// *not comparable* when none did but a shard with rows judged no cell, *partial* when a shard's
/// judgements are missing (never *passed*), else *passed*. The shards' what-grew (the memory
/// findings' heap-profile diffs) comes along, its flame graphs and profiles copied beside the
/// merged `check.md` (``attachments``).
/// Everything is read and checked here, before `merge` writes anything.
public struct CheckMerge: Sendable {
    public let merge: ShardMerge
    /// Shard number → its judgements; a shard present without `check.json` (its check did not
    /// finish) has none.
    public let records: [Int: CheckRecord]
    /// The combined judgements (`check.json` of the merge).
    public let result: CheckRecord
    /// The files the shards' what-grew links (flame graphs, heap profiles), as the merged folder
    /// holds them: merged path → the shard's file. Each keeps the name its shard gave it — a row
    /// is judged on one shard, so two shards never name the same (row, scale).
    public let attachments: [String: String]

    /// Reads each shard folder's `check.json` and checks them against each other: a corrupt one,
    /// one that is not its folder's shard, another baseline or thresholds, or a row judged twice
    /// is one line, 65.
    public init(_ merge: ShardMerge) throws(BenchError) {
        guard let check = merge.plan.check else {
            throw BenchError(
                .usage,
                "plan \(merge.plan.planID) is not a check's plan (bpbench plan --check): its shards have no judgements to merge"
            )
        }
        var records: [Int: CheckRecord] = [:]
        var judgedBy: [RowID: String] = [:]
        var firstThresholds: (digest: String, folder: String)?
        for shard in merge.shards {
            guard let record = try CheckRecord.load(from: shard.folder) else { continue }
            let site = record.sites.first
            guard record.planID == shard.stamp.planID, record.revision == shard.stamp.revision,
                record.shards == shard.stamp.shards,
                record.sites.count == 1, site?.shard == shard.stamp.shard
            else {
                throw BenchError(
                    .data,
                    "\(shard.folder)/\(CheckRecord.fileName) is not this folder's judgement: it names plan \(record.planID ?? "none") shard \(site?.shard.map(String.init) ?? "none")/\(record.shards.map(String.init) ?? "none"), its \(ShardStamp.fileName) plan \(shard.stamp.planID) shard \(shard.stamp.shard)/\(shard.stamp.shards)"
                )
            }
            guard record.baselineDigest == check.baselineDigest else {
                throw BenchError(
                    .data,
                    "\(shard.folder) was judged against another baseline than the plan's \(check.baseline) (digest \(record.baselineDigest), plan \(check.baselineDigest))"
                )
            }
            if let first = firstThresholds, first.digest != record.thresholdsDigest {
                throw BenchError(
                    .data,
                    "\(shard.folder) and \(first.folder) were judged with different thresholds; run every shard with the same --thresholds"
                )
            }
            firstThresholds = firstThresholds ?? (record.thresholdsDigest, shard.folder)
            for row in site?.rows ?? [] {
                if let other = judgedBy[row] {
                    throw BenchError(.data, "shards overlap: row \(row) was judged in \(other) and in \(shard.folder)")
                }
                judgedBy[row] = shard.folder
            }
            records[shard.stamp.shard] = record
        }
        self.merge = merge
        self.records = records
        let ordered = records.keys.sorted().compactMap { records[$0] }
        let missing = (1...max(1, merge.shardCount)).filter { records[$0] == nil }
        let findings = ordered.flatMap(\.findings)
        // A shard that had rows and judged no cell said "not comparable" itself: its rows were
        // not judged, so the merge is no pass either — nor partial, which a rerun would fix.
        let unjudged = ordered.contains { $0.verdict == .notComparable }
        var result = CheckRecord(
            verdict: !findings.isEmpty ? .failed : unjudged ? .notComparable : missing.isEmpty ? .passed : .partial,
            baseline: check.baseline, baselineDigest: check.baselineDigest,
            thresholdsDigest: firstThresholds?.digest ?? "",
            revision: merge.plan.revision, planID: merge.plan.planID, shards: merge.shardCount,
            sites: ordered.flatMap(\.sites), missingShards: missing, findings: findings,
            judgements: ordered.flatMap(\.judgements), notes: Self.notes(of: ordered, shards: merge.shardCount))
        let folders = Dictionary(
            merge.shards.map { ($0.stamp.shard, $0.folder) }, uniquingKeysWith: { first, _ in first })
        let whatGrew = Self.whatGrew(of: records, folders: folders)
        result.whatGrew = whatGrew.records.isEmpty ? nil : whatGrew.records
        result.sameCodeBase = SameCodeBase.merged(ordered.compactMap(\.sameCodeBase))
        self.result = result
        attachments = whatGrew.attachments
    }

    /// Every shard's what-grew, in shard order, with the files it links that its folder holds
    /// (a link to a file the shard folder lacks — an artifact upload that left it out — is dropped,
    /// not left dangling).
    static func whatGrew(
        of records: [Int: CheckRecord], folders: [Int: String]
    ) -> (records: [WhatGrew], attachments: [String: String]) {
        var merged: [WhatGrew] = []
        var attachments: [String: String] = [:]
        for shard in records.keys.sorted() {
            for var whatGrew in records[shard]?.whatGrew ?? [] {
                func attach(_ link: String?) -> String? {
                    guard let link, let folder = folders[shard],
                        FileManager.default.fileExists(atPath: folder + "/" + link)
                    else { return nil }
                    attachments[link] = folder + "/" + link
                    return link
                }
                whatGrew.flameGraph = attach(whatGrew.flameGraph)
                whatGrew.headProfile = attach(whatGrew.headProfile)
                whatGrew.baseProfile = attach(whatGrew.baseProfile)
                merged.append(whatGrew)
            }
        }
        return (merged, attachments)
    }

    /// Each shard's notes once: a note every shard wrote (the A/B's base, a CPU unlike the
    /// baseline's) as it is, the others with their shard.
    static func notes(of records: [CheckRecord], shards: Int) -> [String] {
        var notes: [String] = []
        for record in records {
            for note in record.notes {
                let everywhere = records.allSatisfy { $0.notes.contains(note) }
                let line = everywhere ? note : "shard \(record.sites.first?.shard ?? 0)/\(shards): \(note)"
                if !notes.contains(line) { notes.append(line) }
            }
        }
        return notes
    }

    /// Why shard `index`'s judgements are absent, in words.
    public func absence(of index: Int) -> String {
        guard let shard = merge.shards.first(where: { $0.stamp.shard == index }) else {
            return "no folder was given for it"
        }
        return shard.document.interrupted
            ? "\(shard.folder) was interrupted before its check judged"
            : "\(shard.folder) has no \(CheckRecord.fileName) (its check did not finish)"
    }

    /// The rows shard `index` judges by the plan.
    public func rows(of index: Int) -> [RowID] {
        guard let spec = try? ShardSpec(index: index, count: merge.shardCount) else { return [] }
        return ShardSlicer.checkRows(of: merge.plan, shard: spec)
    }

    /// The merged `check.md`: the verdict, every finding with its shard, where each row was
    /// judged, then the notes and every judged cell as a single check's `check.md` has them.
    public func markdown(title: String) -> String {
        let shards = merge.shardCount
        let cells = result.judgements.count
        var lines = ["# \(title)", ""]
        switch result.verdict {
        case .passed:
            lines.append(
                "**Passed**: no regression in \(shards) of \(shards) shards (\(cells) cells judged\(result.sameCodeBase.map { "; \($0.line)" } ?? ""))."
            )
        case .failed:
            lines.append(
                "**Failed**: \(result.findings.count) regression(s) (\(cells) cells judged in \(records.count) of \(shards) shards\(result.missingShards.isEmpty ? "" : "; partial"))."
            )
        case .partial:
            lines.append(
                "**Partial — not a pass**: no regression in the \(records.count) of \(shards) shards judged (\(cells) cells); the rows of \(result.missingShards.map { "shard \($0)/\(shards)" }.joined(separator: ", ")) were not judged."
            )
        case .notComparable:
            lines.append("**Not comparable — not a pass**: \(notComparable ?? "no cell could be judged").")
        }
        lines.append("")
        let report = result.report
        for shard in records.keys.sorted() {
            for finding in records[shard]?.findings ?? [] {
                lines.append("- \(finding) — shard \(shard)/\(shards)")
                lines += report.whatGrewLines(under: finding)
            }
        }
        for index in result.missingShards {
            lines.append(
                "> **Not judged**: shard \(index)/\(shards) — \(absence(of: index)); its rows: \(rows(of: index).map { "`\($0)`" }.joined(separator: ", "))."
            )
        }
        let check = merge.plan.check
        lines += [
            "",
            "Plan `\(merge.plan.planID)` at revision `\(merge.plan.revision)`, against \(check.map { "`\($0.baseline)` (\($0.baselineDigest))" } ?? "the baseline")\(check?.injected.map { " with injected \($0.keys.sorted().map { "`\($0)`" }.joined(separator: ", "))" } ?? ""): \(check?.rows.count ?? 0) rows cut into \(shards) shards, each judged on the machine that ran it (and ran its base revision, with --against).",
            "", "## Where each row was judged", "",
            "| shard | host | testbed | rows | cells judged | regressions |", "|---|---|---|---|---:|---:|",
        ]
        var testbeds: [Testbed] = []
        for site in result.sites where !testbeds.contains(site.testbed) { testbeds.append(site.testbed) }
        for index in 1...max(1, shards) {
            if let site = records[index]?.sites.first {
                let testbed = (testbeds.firstIndex(of: site.testbed) ?? 0) + 1
                let rows =
                    site.rows.isEmpty
                    ? "none (more shards than rows)" : site.rows.map { "`\($0)`" }.joined(separator: ", ")
                lines.append(
                    "| \(index)/\(shards) | \(site.hostname) | \(testbed) | \(rows) | \(site.cells) | \(site.findings) |"
                )
            } else {
                lines.append(
                    "| \(index)/\(shards) | — | — | not judged: \(rows(of: index).map { "`\($0)`" }.joined(separator: ", ")) | — | — |"
                )
            }
        }
        lines.append("")
        for (index, testbed) in testbeds.enumerated() { lines.append("Testbed \(index + 1): \(testbed).") }
        return (lines + report.notesAndCells()).joined(separator: "\n") + "\n"
    }

    /// What `merge` writes beside the merged rows: `check.md`, `check.json` and the files the
    /// what-grew links (read from the shard folders now, so a file that cannot be read stops the
    /// merge before anything is written).
    public func files(title: String) throws(BenchError) -> [String: Data] {
        var files = ["check.md": Data(markdown(title: title).utf8), CheckRecord.fileName: try result.encoded()]
        for (name, source) in attachments {
            guard let contents = FileManager.default.contents(atPath: source) else {
                throw BenchError(.io, "cannot read \(source), which a shard's what grew links")
            }
            files[name] = contents
        }
        return files
    }

    /// Why the merge is not comparable: each shard that had rows and judged no cell, with its
    /// reason (nil when none did).
    public var notComparable: String? {
        let shards = merge.shardCount
        let unjudged = records.keys.sorted().compactMap { index -> String? in
            guard let record = records[index], record.verdict == .notComparable else { return nil }
            return "shard \(index)/\(shards) judged no cell — \(record.report.unjudgedReason)"
        }
        return unjudged.isEmpty ? nil : unjudged.joined(separator: "; ")
    }
}
