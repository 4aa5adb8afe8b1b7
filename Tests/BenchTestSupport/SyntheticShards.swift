import Foundation

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// Plan files and shard folders made in code (the synthetic run's records cut as `run --plan …
/// --shard i/n` would cut them), and their checks' judgements: what the shard, merge and
/// sharded-check tests merge.
public enum SyntheticShards {
    /// A plan file of `rows` at `scales`, `repeats` each (interior scales 2), one warm-up per row
    /// at its first scale; `costs` (row → seconds per unit) when given.
    public static func plan(
        rows: [String] = ["pipeline-copy", "ignored-drain"], scales: [Double] = [1, 4], repeats: Int = 5,
        interleaved: Bool = false,
        allocators: [String] = ["jemalloc"], costs: [String: Double] = [:], revision: String = "abc123",
        check: PlanFile.Check? = nil
    ) throws -> PlanFile {
        var steps: [[String: Any]] = []
        for row in rows {
            for (scaleIndex, scale) in scales.enumerated() {
                for repeatIndex in (scaleIndex == 0 ? 0 : 1)...RunPlan.repeatCount(repeats, at: scale, of: scales) {
                    for allocator in allocators {
                        let rowName = row + (allocator == "system" ? "@system" : "")
                        steps.append([
                            "scenario": row, "allocator": allocator, "scale": scale, "repeatIndex": repeatIndex,
                            "parameters": [["items", String(Int(100 * scale))]], "cost": scale * (costs[rowName] ?? 1),
                        ])
                    }
                }
            }
        }
        let object: [String: Any] = [
            "formatVersion": 1, "planID": "", "createdAt": "2026-12-01T00:00:00Z", "revision": revision,
            "profile": "quick", "repeats": repeats,
            "warmups": 1, "scales": scales, "interleaved": interleaved, "reference": "pipeline-copy",
            "costBasis": costs.isEmpty ? "scale" : "test",
            "limits": ["sampleIntervalMs": 1, "timelineIntervalMs": 10, "memoryCapBytes": 2 << 30, "timeoutS": 300],
            "steps": steps,
        ]
        var plan = try JSONDecoder().decode(PlanFile.self, from: JSONSerialization.data(withJSONObject: object))
        plan.check = check
        plan.planID = plan.digest()
        return plan
    }

    /// A judged cell of `row` at ×1 (peak allocated against the baseline), a regression or not.
    public static func judgement(_ row: RowID, regression: Bool) -> Judgement {
        Judgement(
            scenario: row, scale: 1, metric: "peak_allocated_bytes", unit: .bytes, against: .baseline,
            before: 3 * 1_048_576, after: regression ? 5 * 1_048_576 : 3 * 1_048_576,
            worsening: regression ? 0.67 : 0, p: regression ? 0.004 : 0.5, alpha: 0.01, minEffect: 0.1,
            outcome: regression ? .regression : .unchanged)
    }

    /// Writes `check.json` into each shard folder as `check --plan` would: the rows the plan
    /// gives that shard, one cell per row, a regression in the rows of `regressed`; `amend`
    /// changes a shard's report first (what grew, cells not judged).
    public static func judge(
        _ folders: [String], plan: PlanFile, regressed: Set<RowID> = [], thresholds: Thresholds = .standard,
        amend: (_ shard: Int, _ report: inout GateReport) -> Void = { _, _ in }
    ) throws {
        for folder in folders {
            let stamp = try ShardStamp.load(folder)
            let spec = try ShardSpec(index: stamp.shard, count: stamp.shards)
            let rows = ShardSlicer.checkRows(of: plan, shard: spec)
            var report = GateReport()
            for row in rows { report.add(judgement(row, regression: regressed.contains(row))) }
            report.notes = ["a note every shard writes", "a note of shard \(stamp.shard)"]
            amend(stamp.shard, &report)
            let document = try RunFolder(existing: folder).load()
            try CheckRecord(
                report: report, baseline: "Reports/baseline.json", baselineDigest: plan.check!.baselineDigest,
                thresholds: thresholds,
                revision: plan.revision, planID: plan.planID, shard: spec, environment: document.environment, rows: rows
            ).write(into: folder)
        }
    }

    /// Writes shard folders of `plan` cut in `count` from the synthetic run's records, shard
    /// `index` on `cpu(index)`; returns their paths.
    public static func writeShards(
        _ plan: PlanFile, count: Int, under scratch: String, only: [Int]? = nil,
        cpu: (Int) -> String = { _ in "same CPU" }
    ) throws -> [String] {
        let source = Synthetic.document()
        var folders: [String] = []
        for index in only ?? Array(1...count) {
            let spec = try ShardSpec(index: index, count: count)
            let keys = Set(ShardSlicer.recordedKeys(of: plan, shard: spec))
            var document = source
            document.records = source.records.filter {
                keys.contains(PlanFile.Step.key(row: $0.scenario, scale: $0.scale, repeatIndex: $0.repeatIndex))
            }
            document.environment.cpu = cpu(index)
            document.environment.hostname = "node-\(index)"
            let folder = scratch + "/shard-\(index)"
            try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
            try RunWriter.write(RunAnalysis(document), to: folder)
            try ShardStamp(plan: plan, shard: spec, hostname: "node-\(index)").write(plan: plan, into: folder)
            folders.append(folder)
        }
        return folders
    }
}
