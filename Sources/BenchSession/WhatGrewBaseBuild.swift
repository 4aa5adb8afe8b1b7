import BenchCore
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// `base/build.json` in a check folder: where the base revision's binaries were (its exported
/// tree under `.build/ab/` and their folder), so `check --run` on the folder profiles the base
/// side with the binaries that made its run. The run document cannot say: the exported tree
/// lies inside this checkout, so its `gitCommit` is the head's.
public struct WhatGrewBaseBuild: Codable, Sendable, Equatable {
    public static let fileName = "build.json"

    public var projectRoot: String
    public var binDirectory: String
    public var launcherPath: String

    public init(_ catalog: ScenarioCatalog) {
        projectRoot = catalog.projectRoot
        binDirectory = catalog.binDirectory
        launcherPath = catalog.launcherPath
    }

    /// The catalog over those binaries, as `project` would have made it.
    public func catalog(like project: ScenarioCatalog) -> ScenarioCatalog {
        ScenarioCatalog(
            projectRoot: projectRoot, binDirectory: binDirectory, launcherPath: launcherPath,
            scenarioInputs: project.scenarioInputs)
    }

    /// Writes `directory/build.json` atomically.
    public func write(into directory: String) throws(BenchError) {
        let data: Data
        do {
            data = try JSONLineCoding.prettyEncoder.encode(self) + Data("\n".utf8)
        } catch {
            throw BenchError(.software, "cannot encode \(Self.fileName): \(error)")
        }
        try AtomicFile.write(data, to: directory + "/" + Self.fileName)
    }

    /// `directory/build.json`: nil when there is none or it is unreadable (the profile then
    /// says it used this tree's binaries).
    public static func load(from directory: String) -> WhatGrewBaseBuild? {
        guard
            let build = try? JSONDocument.loadIfPresent(Self.self, from: directory + "/" + fileName, what: "base build")
        else { return nil }
        return build
    }
}
