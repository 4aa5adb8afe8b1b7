import Foundation

/// The scenario binaries a run ran when they are not its checkout's own build — `--bin-dir DIR`,
/// or a `check --against REV` base built under `.build/ab/` — and the commit they were built
/// from when that is known. A run's ``HostEnvironment/gitCommit`` is the checkout's, which says
/// nothing about such binaries: `bpbench compare` once labelled both sides of an A/B of two
/// builds with the same commit.
public struct ScenarioBinaries: Codable, Sendable, Equatable {
    /// The folder the scenario executables were run from.
    public var directory: String
    /// The commit they were built from (`-dirty` when the tree had uncommitted changes); nil when
    /// nothing says (no stamp in the folder, no git checkout around it).
    public var commit: String?

    public init(directory: String, commit: String?) {
        self.directory = directory
        self.commit = commit
    }

    /// The file a build made for another revision leaves in its bin dir, holding that commit
    /// (``BaseRevision`` writes it): the folder under `.build/ab/` lies inside this checkout,
    /// whose git would name the head's commit instead.
    public static let stampName = ".bpbench-revision"

    /// The binaries in `binDirectory` when they are not `projectRoot`'s own build
    /// (`projectRoot/.build/release`), else nil. Their commit is the stamp's when there is one,
    /// else `commitOf` the package whose `.build/release` the folder is, else unknown.
    public static func of(
        binDirectory: String, projectRoot: String, commitOf: (String) -> String?
    ) -> ScenarioBinaries? {
        let resolved = { (path: String) in URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        let directory = resolved(binDirectory)
        guard directory != resolved(projectRoot + "/.build/release") else { return nil }
        if let stamp = try? String(contentsOfFile: directory + "/" + stampName, encoding: .utf8) {
            let commit = stamp.trimmingCharacters(in: .whitespacesAndNewlines)
            if !commit.isEmpty { return ScenarioBinaries(directory: directory, commit: commit) }
        }
        // SwiftPM's release folder is a link to .build/<triple>/release: the package is above .build.
        let parts = directory.split(separator: "/", omittingEmptySubsequences: false)
        let build = parts.lastIndex(of: ".build")
        let package = build.map { parts[..<$0].joined(separator: "/") }
        return ScenarioBinaries(directory: directory, commit: package.flatMap { $0.isEmpty ? nil : commitOf($0) })
    }

    /// What ran, for a label: "binaries from DIR, built at commit C" or "binaries from DIR
    /// (commit unknown)".
    public var description: String {
        "binaries from \(directory)" + (commit.map { ", built at commit \($0)" } ?? " (commit unknown)")
    }
}
