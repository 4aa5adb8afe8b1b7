import BenchProtocol
import BenchSystem
import Foundation

/// `shard.json` in a shard's run folder: which plan, which revision, which slice, which host.
/// Written before the first child starts, so even a shard whose harness died is identifiable.
public struct ShardStamp: Codable, Sendable, Equatable {
    public static let fileName = "shard.json"
    /// The plan's copy in the shard folder: `merge` reads it to name a missing shard's rows.
    public static let planFileName = "plan.json"
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var planID: String
    public var revision: String
    public var shard: Int
    public var shards: Int
    public var hostname: String
    public var startedAt: String

    public init(plan: PlanFile, shard: ShardSpec, hostname: String) {
        formatVersion = Self.currentFormatVersion
        planID = plan.planID
        revision = plan.revision
        self.shard = shard.index
        shards = shard.count
        self.hostname = hostname
        startedAt = RunDocument.timestamp()
    }

    /// Writes the stamp and the plan's copy into `directory`.
    public func write(plan: PlanFile, into directory: String) throws(BenchError) {
        try plan.write(to: directory + "/" + Self.planFileName)
        let data: Data
        do {
            data = try JSONLineCoding.prettyEncoder.encode(self)
        } catch {
            throw BenchError(.software, "cannot encode \(Self.fileName): \(error)")
        }
        try AtomicFile.write(data + Data("\n".utf8), to: directory + "/" + Self.fileName)
    }

    /// Reads a shard folder's stamp: 66 when the folder is not a shard, 74 when the stamp cannot
    /// be read, 65 when it is corrupt.
    public static func load(_ directory: String) throws(BenchError) -> ShardStamp {
        let path = directory + "/" + fileName
        let stamp = try JSONDocument.load(
            ShardStamp.self, from: path, what: "shard stamp",
            missing:
                "\(directory) is not a shard folder (no \(fileName); shards are written by bpbench run --plan FILE --shard I/N)"
        ) { "\(path) is corrupt: \(JSONDocument.problem($0))" }
        try JSONDocument.requireFormat(stamp.formatVersion, readable: [currentFormatVersion], of: path)
        return stamp
    }
}
