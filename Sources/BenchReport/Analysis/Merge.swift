import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// The hardware a shard measured on, as far as its figures may be summarised with another
/// shard's: CPU model, core count, RAM (to the GiB), OS and kernel.
///
/// Why not the host name: a CI matrix or an Indexed Job runs every shard on a different host of
/// one machine type — that is the point of sharding — and their figures belong together. Why the
/// kernel and OS: they are not the change a sharded run measures, and they move throughput and
/// RSS floors; two kernels are two testbeds (Bencher keys thresholds by testbed, conbench by
/// machine hash, for the same reason).
public struct Testbed: Codable, Sendable, Hashable, CustomStringConvertible {
    public var cpu: String
    public var cores: Int
    /// Rounded to whole GiB: machines of one type report a few MiB apart.
    public var memoryGiB: Int
    public var os: String
    public var kernel: String

    public init(_ environment: HostEnvironment) {
        cpu = environment.cpu
        cores = environment.cores
        memoryGiB = Int((Double(environment.memoryBytes) / Double(1 << 30)).rounded())
        os = environment.os
        kernel = environment.kernel
    }

    public var description: String { "\(cpu), \(cores) cores, \(memoryGiB) GiB RAM, \(os), kernel \(kernel)" }
}

/// Shard folders checked against each other and grouped by testbed: what `bpbench merge` writes.
///
/// Everything is read and checked before anything is written (``ShardMerge/init(folders:)``), so
/// a refused merge leaves no half-merged folder.
public struct ShardMerge: Sendable {
    /// One shard folder as read.
    public struct Shard: Sendable {
        public var folder: String
        public var stamp: ShardStamp
        public var document: RunDocument
        public var testbed: Testbed
    }

    /// The shards that ran on one testbed, merged into one run document.
    public struct Group: Sendable {
        public var testbed: Testbed
        public var shards: [Shard]
        public var document: RunDocument
        public var hosts: [String] { Array(Set(shards.map(\.stamp.hostname))).sorted() }
    }

    public let plan: PlanFile
    public let shards: [Shard]
    public let groups: [Group]
    /// Shard numbers of the plan no folder was given for.
    public let missing: [Int]
    public var shardCount: Int { shards.first?.stamp.shards ?? 0 }
    /// A shard missing, or one that was interrupted or rebuilt from its journal.
    public var isPartial: Bool { !missing.isEmpty || shards.contains { $0.document.interrupted } }

    /// Reads and checks `folders`: one plan (65), one revision (65), one cut (65), no shard or
    /// row twice (65), no row the plan lacks (65); a folder that is not a shard is 66.
    public init(folders: [String]) throws(BenchError) {
        guard !folders.isEmpty else { throw BenchError(.usage, "merge needs at least one shard folder") }
        var shards: [Shard] = []
        var plan: PlanFile?
        var firstFolder = ""
        for folder in folders {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw BenchError(.noInput, "\(folder) is not a folder")
            }
            let stamp = try ShardStamp.load(folder)
            let copy = try PlanFile.load(folder + "/" + ShardStamp.planFileName)
            guard copy.planID == stamp.planID else {
                throw BenchError(
                    .data, "\(folder): its \(ShardStamp.fileName) and \(ShardStamp.planFileName) name different plans")
            }
            let document = try RunFolder(existing: folder).load()
            if let plan {
                guard copy.revision == plan.revision else {
                    throw BenchError(
                        .data,
                        "\(folder) ran at revision \(copy.revision), \(firstFolder) at \(plan.revision); merge shards of one revision"
                    )
                }
                guard stamp.planID == plan.planID else {
                    throw BenchError(
                        .data,
                        "\(folder) is a shard of plan \(stamp.planID), \(firstFolder) of plan \(plan.planID); merge the shards of one plan"
                    )
                }
            } else {
                plan = copy
                firstFolder = folder
            }
            if let first = shards.first {
                guard stamp.revision == first.stamp.revision else {
                    throw BenchError(
                        .data,
                        "\(folder) ran at revision \(stamp.revision), \(first.folder) at \(first.stamp.revision); merge shards of one revision"
                    )
                }
                guard stamp.shards == first.stamp.shards else {
                    throw BenchError(
                        .data,
                        "\(folder) is shard \(stamp.shard)/\(stamp.shards), \(first.folder) is \(first.stamp.shard)/\(first.stamp.shards): the plan was cut two ways"
                    )
                }
                if let twin = shards.first(where: { $0.stamp.shard == stamp.shard }) {
                    throw BenchError(
                        .data,
                        "shards overlap: \(folder) and \(twin.folder) are both shard \(stamp.shard)/\(stamp.shards)")
                }
            }
            shards.append(
                Shard(folder: folder, stamp: stamp, document: document, testbed: Testbed(document.environment)))
        }
        guard let plan else { throw BenchError(.usage, "merge needs at least one shard folder") }

        // Every record must be a repeat of the plan, and in one folder only.
        let order = Dictionary(plan.steps.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        var owner: [String: String] = [:]
        for shard in shards {
            for record in shard.document.records {
                let key = PlanFile.Step.key(row: record.scenario, scale: record.scale, repeatIndex: record.repeatIndex)
                // Adaptive repeats add repeats beyond the plan's minimum: same row and scale, later index.
                guard
                    order[key] != nil
                        || (plan.maxRepeats != nil
                            && plan.steps.contains(where: { $0.row == record.scenario && $0.scale == record.scale }))
                else {
                    throw BenchError(.data, "\(shard.folder) holds \(key), which plan \(plan.planID) does not have")
                }
                if let other = owner[key] {
                    throw BenchError(.data, "shards overlap: \(key) is in \(other) and \(shard.folder)")
                }
                owner[key] = shard.folder
            }
        }
        let sorted = shards.sorted { $0.stamp.shard < $1.stamp.shard }
        let present = Set(sorted.map(\.stamp.shard))
        var testbeds: [Testbed] = []
        for shard in sorted where !testbeds.contains(shard.testbed) { testbeds.append(shard.testbed) }
        self.plan = plan
        self.shards = sorted
        missing = (1...max(1, sorted[0].stamp.shards)).filter { !present.contains($0) }
        groups = testbeds.map { testbed in
            let members = sorted.filter { $0.testbed == testbed }
            return Group(
                testbed: testbed, shards: members,
                document: Self.combine(members.map(\.document), plan: plan, order: order))
        }
    }

    /// One run document of shards that ran on one testbed: the first one's settings, every
    /// record in plan order, the earliest start and latest finish, every host named.
    static func combine(_ documents: [RunDocument], plan: PlanFile, order: [String: Int]) -> RunDocument {
        var merged = documents[0]
        merged.records = []
        merged.startedAt = documents.map(\.startedAt).min() ?? merged.startedAt
        merged.finishedAt = documents.map(\.finishedAt).max() ?? merged.finishedAt
        merged.interrupted = documents.contains { $0.interrupted }
        merged.recoveredFromJournal = documents.contains { $0.recoveredFromJournal == true } ? true : nil
        merged.environment.hostname = Array(Set(documents.map(\.environment.hostname))).sorted().joined(separator: ", ")
        merged.reference = plan.reference ?? documents.compactMap(\.reference).first
        for document in documents.dropFirst() {
            merged.claims.merge(document.claims) { first, _ in first }
            if let traits = document.rowTraits {
                merged.rowTraits = (merged.rowTraits ?? [:]).merging(traits) { first, _ in first }
            }
            if let rows = document.growsWithTimeRows {
                merged.growsWithTimeRows = Array(Set((merged.growsWithTimeRows ?? []) + rows)).sorted()
            }
            if let attributions = document.attributions {
                merged.attributions = (merged.attributions ?? []) + attributions
            }
            if let problems = document.attributionProblems {
                merged.attributionProblems = (merged.attributionProblems ?? []) + problems
            }
        }
        let records = documents.flatMap(\.records).sorted { a, b in
            let left = order[PlanFile.Step.key(row: a.scenario, scale: a.scale, repeatIndex: a.repeatIndex)] ?? Int.max
            let right = order[PlanFile.Step.key(row: b.scenario, scale: b.scale, repeatIndex: b.repeatIndex)] ?? Int.max
            return left != right
                ? left < right : (a.scenario, a.scale, a.repeatIndex) < (b.scenario, b.scale, b.repeatIndex)
        }
        for record in records { merged.adopt(record) }
        return merged
    }

    /// The recorded repeats a missing shard would have run, by row and scale (`row ×4 (5)`).
    public func rowsOfMissingShard(_ index: Int) -> [String] {
        guard let spec = try? ShardSpec(index: index, count: shardCount) else { return [] }
        var counts: [String: Int] = [:]
        var order: [String] = []
        for step in ShardSlicer.steps(of: plan, shard: spec) where !step.isWarmup {
            let label = "\(step.row) \(Format.scale(step.scale))"
            if counts[label] == nil { order.append(label) }
            counts[label, default: 0] += 1
        }
        return order.map { "\($0) (\(counts[$0]!))" }
    }

    /// The folder name of testbed group `index` (from 0) when there is more than one.
    public static func groupFolder(_ index: Int) -> String { "testbeds/\(index + 1)" }

    /// `report.md` of the merge: where each row ran, what is missing, then one section per
    /// testbed — each the usual report of that testbed's rows alone, so no median, verdict or
    /// ratio ever takes figures from two testbeds.
    public func markdown(analyses: [RunAnalysis]) throws -> String {
        var lines = ["# BackpressureBench report — \(shards.count) of \(shardCount) shards merged", ""]
        lines.append(
            "Plan `\(plan.planID)` at revision `\(plan.revision)`: profile **\(plan.profile.rawValue)**, scales \(plan.scales.map(Format.scale).joined(separator: ", ")), \(plan.steps.filter { !$0.isWarmup }.count) recorded repeats planned, cut into \(shardCount) shards by expected cost (\(plan.costBasis))."
        )
        if isPartial {
            lines += [""]
            for index in missing {
                lines.append(
                    "> **Partial**: shard \(index)/\(shardCount) is missing — its rows are not in this report: \(rowsOfMissingShard(index).joined(separator: ", "))."
                )
            }
            for shard in shards where shard.document.interrupted {
                lines.append(
                    "> **Partial**: shard \(shard.stamp.shard)/\(shardCount) (\(shard.folder)) was interrupted; it has the repeats that finished."
                )
            }
        }
        lines += ["", "## Where each row ran", ""]
        if groups.count == 1 {
            lines.append("Every shard ran on one testbed; its figures are summarised together.")
        } else {
            lines.append(
                "The shards ran on \(groups.count) testbeds. Figures from different testbeds are never mixed: each testbed has its own section with its own medians, verdicts and ratios, and no ratio crosses testbeds."
            )
        }
        lines += ["", "| testbed | hardware | hosts | shards | rows |", "|---|---|---|---|---|"]
        for (index, group) in groups.enumerated() {
            var rows: [String] = []
            for record in group.document.records {
                let label = "`\(record.scenario)` \(Format.scale(record.scale))"
                if !rows.contains(label) { rows.append(label) }
            }
            lines.append(
                "| \(index + 1) | \(group.testbed) | \(group.hosts.joined(separator: ", ")) | \(group.shards.map { "\($0.stamp.shard)" }.joined(separator: ", ")) | \(rows.joined(separator: ", ")) |"
            )
        }
        let split = splitRows()
        if !split.isEmpty {
            lines += [
                "",
                "Rows whose scales ran on different testbeds have no growth verdict across them (it would fit one machine's ×1 against another's ×4): \(split.map { "`\($0)`" }.joined(separator: ", ")).",
            ]
        }
        for (index, analysis) in analyses.enumerated() {
            lines += ["", "## Testbed \(index + 1): \(groups[index].testbed)", ""]
            let prefix = groups.count == 1 ? "" : Self.groupFolder(index) + "/"
            if !prefix.isEmpty { lines.append("Its run folder: [`\(prefix)`](\(prefix)report.md).") }
            let body = try MarkdownExporter().render(analysis).split(separator: "\n", omittingEmptySubsequences: false)
                .dropFirst()
            for line in body {
                // One level down: the testbed's heading is the section; its charts live in its folder.
                if line.hasPrefix("#") {
                    lines.append("#" + line)
                } else if line.hasPrefix("!["), let open = line.firstIndex(of: "("), !prefix.isEmpty {
                    lines.append(String(line[...open]) + prefix + String(line[line.index(after: open)...]))
                } else {
                    lines.append(String(line))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows (scenario names) recorded on more than one testbed.
    public func splitRows() -> [RowID] {
        var seen: [RowID: Set<Int>] = [:]
        for (index, group) in groups.enumerated() {
            for record in group.document.records { seen[record.scenario, default: []].insert(index) }
        }
        return seen.filter { $0.value.count > 1 }.keys.sorted()
    }

    /// `merge.json`: the plan, each shard (folder, host, testbed) and what is missing.
    public struct Summary: Codable, Sendable {
        public struct Entry: Codable, Sendable {
            public var shard: Int
            public var folder: String
            public var hostname: String
            public var testbed: Int
            public var records: Int
            public var interrupted: Bool
        }
        public var planID: String
        public var revision: String
        public var shards: Int
        public var merged: [Entry]
        public var missing: [Int]
        public var testbeds: [String]
        public var partial: Bool
    }

    public var summary: Summary {
        Summary(
            planID: plan.planID, revision: plan.revision, shards: shardCount,
            merged: shards.map { shard in
                Summary.Entry(
                    shard: shard.stamp.shard, folder: shard.folder, hostname: shard.stamp.hostname,
                    testbed: (groups.firstIndex { $0.testbed == shard.testbed } ?? 0) + 1,
                    records: shard.document.records.count, interrupted: shard.document.interrupted)
            },
            missing: missing, testbeds: groups.map(\.testbed.description), partial: isPartial)
    }

    /// Writes the merge into `out`, which must not exist or be empty: built in a sibling
    /// temporary folder and renamed into place, so a failure leaves nothing at `out`.
    ///
    /// One testbed: `out` is an ordinary run folder of the merged rows (`bpbench report`,
    /// `check --run` and `compare` read it) with `report.md` replaced by the merged report. More:
    /// `out/testbeds/K/` is testbed K's run folder, and `out` holds only `report.md` and
    /// `merge.json` — no `run.json` that would put two testbeds' figures in one table.
    ///
    /// - Parameter files: more files for `out`, by name, written before the rename (a check's
    ///   merged `check.md` and `check.json`), so they arrive with the rest or not at all.
    public func write(to out: String, formats: [ExportFormat] = [], files: [String: Data] = [:]) throws(BenchError) {
        let fileManager = FileManager.default
        if let contents = try? fileManager.contentsOfDirectory(atPath: out), !contents.isEmpty {
            throw BenchError(.cannotCreate, "--out \(out) already exists and is not empty; choose a new folder")
        }
        // Absolute, through URL: NSString's path methods trap on some one-letter relative paths here.
        let url = URL(fileURLWithPath: out).standardizedFileURL
        let final = url.path
        let staging = url.deletingLastPathComponent().path + "/.\(url.lastPathComponent).merging-\(getpid())"
        do {
            try fileManager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw BenchError(.cannotCreate, "cannot create --out \(out): \(error.localizedDescription)")
        }
        do throws(BenchError) {
            var analyses: [RunAnalysis] = []
            for (index, group) in groups.enumerated() {
                let relative = groups.count == 1 ? "" : "/" + Self.groupFolder(index)
                var document = group.document
                document.records = try copyLogs(
                    of: group, into: staging + relative + "/logs", finalLogs: final + relative + "/logs",
                    records: document.records)
                let analysis = RunAnalysis(document)
                analyses.append(analysis)
                try RunWriter.write(analysis, to: staging + relative, formats: formats)
            }
            let report: String
            do {
                report = try markdown(analyses: analyses)
            } catch {
                throw BenchError(.software, "cannot render the merged report: \(error)")
            }
            try AtomicFile.write(report, to: staging + "/report.md")
            let data: Data
            do {
                data = try JSONLineCoding.prettyEncoder.encode(summary)
            } catch {
                throw BenchError(.software, "cannot encode merge.json: \(error)")
            }
            try AtomicFile.write(data + Data("\n".utf8), to: staging + "/merge.json")
            for (name, contents) in files.sorted(by: { $0.key < $1.key }) {
                // A name may hold folders (a merged check's what-grew/ profiles).
                let folder = URL(fileURLWithPath: staging + "/" + name).deletingLastPathComponent().path
                try? fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try AtomicFile.write(contents, to: staging + "/" + name)
            }
            try? fileManager.removeItem(atPath: final)  // only ever an empty folder here (checked above)
            guard rename(staging, final) == 0 else {
                throw BenchError(
                    .cannotCreate, "cannot move the merge into \(out): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? fileManager.removeItem(atPath: staging)
            throw error
        }
    }

    /// Copies each shard's logs into the merged folder and points the records at the copies.
    private func copyLogs(
        of group: Group, into logs: String, finalLogs: String, records: [RunRecord]
    ) throws(BenchError) -> [RunRecord] {
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(atPath: logs, withIntermediateDirectories: true)
        } catch {
            throw BenchError(.cannotCreate, "cannot create \(logs): \(error.localizedDescription)")
        }
        for shard in group.shards {
            for name in (try? fileManager.contentsOfDirectory(atPath: shard.folder + "/logs")) ?? []
            where !fileManager.fileExists(atPath: logs + "/" + name) {
                try? fileManager.copyItem(atPath: shard.folder + "/logs/" + name, toPath: logs + "/" + name)
            }
        }
        return records.map { record in
            var record = record
            record.logFile = finalLogs + "/" + (record.logFile as NSString).lastPathComponent
            return record
        }
    }
}
