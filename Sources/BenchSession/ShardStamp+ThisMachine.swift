import BenchModel
import BenchSystem
import Foundation

extension ShardStamp {
    /// Stamps `directory` as this machine's `shard` of its plan file — before any child runs, so a
    /// shard whose harness dies is still identifiable to `bpbench merge`. What `run` and `check`
    /// (on a plan's shard) both do first.
    package static func write(_ shard: (file: PlanFile, spec: ShardSpec), into directory: String) throws(BenchError) {
        try ShardStamp(plan: shard.file, shard: shard.spec, hostname: ProcessInfo.processInfo.hostName).write(
            plan: shard.file, into: directory)
    }
}
