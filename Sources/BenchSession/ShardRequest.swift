import BenchModel
import BenchSystem

/// The plan file and this machine's shard of it, as `run` and `check` were asked (`--plan`,
/// `--shard`, `--shards`, `--shard-from-env`): one resolution of the index from the command line
/// or the engine's environment.
package struct ShardRequest: Equatable, Sendable {
    /// `--plan FILE`: run a plan file instead of resolving one from the options.
    package var planFile: String?
    /// `--shard I/N`.
    package var shard: String?
    /// `--shards N`, the count when the index comes from the environment.
    package var shards: Int?
    /// `--shard-from-env VAR`.
    package var shardFromEnvironment: String?

    package init(planFile: String? = nil, shard: String? = nil, shards: Int? = nil, shardFromEnvironment: String? = nil)
    {
        self.planFile = planFile
        self.shard = shard
        self.shards = shards
        self.shardFromEnvironment = shardFromEnvironment
    }

    /// Whether any option that cuts a plan into shards was given (`--plan` aside).
    package var cutsAPlan: Bool { shard != nil || shards != nil || shardFromEnvironment != nil }

    /// This machine's shard: the one asked for, else the whole plan (shard 1 of 1).
    package func spec(environment: [String: String]) throws(BenchError) -> ShardSpec {
        if let asked = try ShardSpec.resolve(
            explicit: shard, count: shards, variable: shardFromEnvironment, environment: environment)
        {
            return asked
        }
        return try ShardSpec(index: 1, count: 1)
    }
}
