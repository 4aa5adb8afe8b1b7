import BenchCore
import BenchGate
import BenchSystem
import Foundation

/// The working tree with one source edit made, exported under `.build/ab/edit-<digest>/` and
/// built there in release as ``BaseRevision`` builds a base (this build's dependency objects,
/// products moved to its `bin/`): `gate-proof`'s code-change injection runs its scenario
/// binaries as the head side against this tree's unchanged build.
///
/// The working tree itself is never written: the export copies the files git would commit
/// (tracked and untracked, ignored ones left out — uncommitted edits included, so the head is
/// exactly the build under test plus the edit), and the edit is made in the copy. The folder is
/// named by a digest of the exported scenario inputs after the edit, so the same tree and edit
/// reuse their build and any change to either builds anew.
package enum PatchedTree {
    /// A catalog over the patched tree's binaries, and what was done, in one line.
    package static func prepare(
        _ change: ProofSpec.CodeChange, spec path: String, project: ScenarioCatalog, log: (String) -> Void
    ) throws(BenchError) -> (catalog: ScenarioCatalog, note: String) {
        let root = project.projectRoot
        let abRoot = root + "/.build/ab"
        let staging = abRoot + "/edit-staging-\(getpid())"
        let fileManager = FileManager.default
        try? fileManager.removeItem(atPath: staging)
        do {
            try fileManager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw BenchError(.cannotCreate, "cannot create \(staging): \(error.localizedDescription)")
        }
        defer { try? fileManager.removeItem(atPath: staging) }
        try export(root: root, into: staging)
        let patched = try ProofSpec.applying(change, toFileIn: staging, path: path)
        try AtomicFile.write(patched, to: staging + "/" + change.file)
        guard let digest = digest(of: project.scenarioInputs, in: staging) else {
            throw BenchError(.io, "cannot read the exported scenario inputs under \(staging)")
        }
        let directory = abRoot + "/edit-" + digest
        let label = "\(change.scenario) with \(change.file) edited (\(change.what))"
        if fileManager.fileExists(atPath: directory + "/" + BaseRevision.builtMarker) {
            return (
                BaseRevision.catalog(built: directory, project: project), "\(label): reused the build in \(directory)"
            )
        }
        try? fileManager.removeItem(atPath: directory)
        guard rename(staging, directory) == 0 else {
            throw BenchError(.cannotCreate, "cannot move \(staging) to \(directory)")
        }
        // Another build in this checkout at the same time holds SwiftPM's build database, and the
        // lock BaseRevision takes on .build/.lock did not keep it out (seen here twice, with other
        // engineers building in the same .build: "database is locked", nothing compiled). That
        // build is not the edit's fault: wait for it and try again, a few times.
        var attempt = 1
        while !BaseRevision.build(exported: directory, describing: label, project: project, log: log) {
            let buildLog = (try? String(contentsOfFile: directory + "/build.log", encoding: .utf8)) ?? ""
            guard attempt < 5, buildLog.contains("database is locked") else {
                throw BenchError(.software, "the code change does not build: \(label) (log: \(directory)/build.log)")
            }
            log(
                "another build in this checkout holds SwiftPM's build database; trying again in 30 s (attempt \(attempt + 1) of 5)"
            )
            sleep(30)
            attempt += 1
        }
        return (BaseRevision.catalog(built: directory, project: project), "\(label): built in \(directory)")
    }

    /// Copies the files git would commit from the tree at `root` into `directory`: tracked
    /// (as they are now, uncommitted edits included; deleted ones left out) and untracked but
    /// not ignored. A package in a sub-folder of its repository exports that folder alone.
    package static func export(root: String, into directory: String) throws(BenchError) {
        let script =
            "cd \"$1\" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C \"$2\""
        let export = BaseRevision.run("/bin/sh", ["-c", script, "sh", root, directory])
        guard export.status == 0, FileManager.default.fileExists(atPath: directory + "/Package.swift") else {
            throw BenchError(.io, "cannot export the working tree of \(root) into \(directory) (is it a git checkout?)")
        }
    }

    /// A digest of every file under `inputs` (paths relative to `directory`), in path order:
    /// the first 16 hex digits of a SHA-256 over their names and contents.
    package static func digest(of inputs: [String], in directory: String) -> String? {
        let script =
            "cd \"$1\" && shift && find \"$@\" -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum"
        let result = BaseRevision.run("/bin/sh", ["-c", script, "sh", directory] + inputs)
        guard result.status == 0, let output = result.output, output.count >= 16 else { return nil }
        return String(output.prefix(16))
    }
}
