import Foundation

@testable import BenchModel
@testable import BenchReport

/// Plan files and shard folders made in code (the synthetic run's records cut as `run --plan …
/// --shard i/n` would cut them): what the shard, merge and sharded-check tests merge.
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
