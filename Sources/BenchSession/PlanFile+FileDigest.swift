import BenchModel
import Foundation

extension PlanFile {
    /// ``contentDigest(_:)`` of a file's bytes (empty when unreadable; the baseline was read just
    /// before): what a check's plan records of its baseline, and what its shards compare.
    package static func contentDigest(ofFile path: String) -> String {
        contentDigest(FileManager.default.contents(atPath: path) ?? Data())
    }
}
