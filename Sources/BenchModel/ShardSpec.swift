import BenchSystem
import Foundation

/// Which slice of a plan this machine runs: shard `index` of `count`, numbered from 1.
public struct ShardSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws(BenchError) {
        guard count >= 1 else { throw BenchError(.usage, "a plan is cut into at least 1 shard, got \(count)") }
        guard (1...count).contains(index) else {
            throw BenchError(.usage, "shard \(index)/\(count) is out of range: shards are numbered 1…\(count)")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// `I/N`, I from 1.
    public static func parse(_ text: String) throws(BenchError) -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw BenchError(.usage, "--shard takes I/N (I from 1), e.g. 2/3; got '\(text)'")
        }
        return try ShardSpec(index: index, count: count)
    }

    /// Kubernetes Indexed Jobs number their pods from 0 in this variable.
    public static let kubernetesIndexVariable = "JOB_COMPLETION_INDEX"
    /// Slurm job arrays: the task's ID, the array's lowest ID and its task count.
    public static let slurmIndexVariable = "SLURM_ARRAY_TASK_ID"
    public static let slurmMinimumVariable = "SLURM_ARRAY_TASK_MIN"
    public static let slurmCountVariable = "SLURM_ARRAY_TASK_COUNT"

    /// The shard from the command line and the environment, or nil for the whole plan.
    ///
    /// - `explicit` (`--shard I/N`) wins and excludes the others.
    /// - `variable` (`--shard-from-env VAR`) holds a **0-based** index, as every engine writes it
    ///   (`JOB_COMPLETION_INDEX`, GitHub's `strategy.job-index`, `AWS_BATCH_JOB_ARRAY_INDEX`);
    ///   `count` (`--shards N`) says how many.
    /// - Else `JOB_COMPLETION_INDEX` (0-based; Kubernetes does not tell a pod the completion
    ///   count, so `--shards N` is needed), else `SLURM_ARRAY_TASK_ID` counted from
    ///   `SLURM_ARRAY_TASK_MIN` (so `--array=0-2` and `--array=1-3` both work; a contiguous array),
    ///   with `SLURM_ARRAY_TASK_COUNT` as the count unless `--shards` says.
    public static func resolve(
        explicit: String?, count: Int?, variable: String?, environment: [String: String]
    ) throws(BenchError) -> ShardSpec? {
        if let explicit {
            guard count == nil, variable == nil else {
                throw BenchError(.usage, "--shard I/N already says which shard; drop --shards and --shard-from-env")
            }
            return try parse(explicit)
        }
        func zeroBased(_ name: String, _ text: String) throws(BenchError) -> Int {
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw BenchError(.usage, "\(name)='\(text)' is not a shard index (a whole number from 0)")
            }
            return value
        }
        func needCount(_ source: String) throws(BenchError) -> Int {
            guard let count else {
                throw BenchError(
                    .usage, "the shard index comes from \(source); say how many shards there are with --shards N")
            }
            return count
        }
        if let variable {
            guard let text = environment[variable] else {
                throw BenchError(.usage, "--shard-from-env \(variable): \(variable) is not set")
            }
            return try ShardSpec(index: try zeroBased(variable, text) + 1, count: try needCount(variable))
        }
        if let text = environment[kubernetesIndexVariable] {
            return try ShardSpec(
                index: try zeroBased(kubernetesIndexVariable, text) + 1, count: try needCount(kubernetesIndexVariable))
        }
        if let text = environment[slurmIndexVariable] {
            let id = try zeroBased(slurmIndexVariable, text)
            var minimum = 0
            if let text = environment[slurmMinimumVariable] { minimum = try zeroBased(slurmMinimumVariable, text) }
            var total = count
            if total == nil, let text = environment[slurmCountVariable] {
                total = try zeroBased(slurmCountVariable, text)
            }
            guard let total else {
                throw BenchError(
                    .usage,
                    "the shard index comes from \(slurmIndexVariable) but \(slurmCountVariable) is not set; pass --shards N"
                )
            }
            return try ShardSpec(index: id - minimum + 1, count: total)
        }
        if count != nil {
            throw BenchError(
                .usage,
                "--shards N needs the shard's index: --shard I/N, --shard-from-env VAR, \(kubernetesIndexVariable) or \(slurmIndexVariable)"
            )
        }
        return nil
    }
}
