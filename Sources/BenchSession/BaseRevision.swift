import BenchCore
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// The revision a check compares with in the same job (`bpbench check --against REV`): its tree
/// exported under `.build/ab/<commit>/` and built there in release mode, so its scenario binaries
/// can run interleaved with this tree's, measured by this tree's harness.
///
/// The base is built with this tree's scratch path (`.build`), pinned to this tree's
/// Package.resolved, so its dependencies — swift-nio, swift-collections, swift-async-algorithms,
/// HdrHistogram, ArgumentParser — are this build's objects, and only the base's own
/// targets compile (SwiftPM keys its build on absolute paths, so a separate `.build` under
/// `.build/ab/` compiled everything again: ≈ 4 min of the CI's 32). The base's products land
/// where this tree's are, so they are moved to `.build/ab/<commit>/bin/` and this tree's put back,
/// all under SwiftPM's own lock on `.build`. A package built elsewhere (`--bin-dir`) builds its
/// base apart, as before.
///
/// When REV's scenario code (every input of a scenario binary) is identical to this tree's, there
/// is no base side at all: it would run this tree's binaries again, and identical binaries cannot
/// regress — an A/B of them measures noise, whose one possible outcome beyond "pass" is a false
/// alarm, at the cost of a second set of children (CI on ca1e519: 120 base children, 117.3 s of
/// the check's 261 s). The check then runs the head's plan alone and judges what the baseline
/// judges whatever the code (``SameCodeBase``). Anything that cannot be prepared (an unknown
/// revision, a failed build, scenarios this bpbench cannot describe) is a reason to skip the A/B,
/// said in one line — never a failure of the check.
package enum BaseRevision {
    package enum Prepared {
        /// A catalog over REV's binaries, and a line saying what was done.
        case catalog(ScenarioCatalog, commit: String, note: String)
        /// REV (`commit`, abbreviated) has this tree's scenario code: nothing to build or run.
        case sameScenarioCode(commit: String)
        /// The A/B cannot run; why, in one line.
        case skipped(String)
    }

    package static func prepare(_ revision: String, project: ScenarioCatalog, log: (String) -> Void) -> Prepared {
        let root = project.projectRoot
        guard
            let commit = run(
                "/usr/bin/env", ["git", "-C", root, "rev-parse", "--verify", "--quiet", revision + "^{commit}"]
            ).output, !commit.isEmpty
        else {
            return .skipped("A/B skipped: '\(revision)' is not a commit here (no previous commit?)")
        }
        let short = String(commit.prefix(12))
        if hasScenarioCode(of: commit, project: project) { return .sameScenarioCode(commit: short) }
        let directory = root + "/.build/ab/" + short
        let marker = directory + "/" + builtMarker
        if !FileManager.default.fileExists(atPath: marker) {
            try? FileManager.default.removeItem(atPath: directory)
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                return .skipped("A/B skipped: cannot create \(directory): \(error.localizedDescription)")
            }
            // A package in a sub-folder of its repository exports that folder's tree alone.
            let prefix = run("/usr/bin/env", ["git", "-C", root, "rev-parse", "--show-prefix"]).output ?? ""
            let export = run(
                "/bin/sh",
                [
                    "-c", "git -C \"$1\" archive \"$2\" | tar -x -C \"$3\"", "sh", root,
                    prefix.isEmpty ? commit : commit + ":" + prefix, directory,
                ])
            guard export.status == 0 else { return .skipped("A/B skipped: cannot export \(short) into \(directory)") }
            guard
                build(
                    exported: directory, describing: "base revision \(revision) (\(short))", project: project, log: log)
            else {
                return .skipped("A/B skipped: base \(revision) (\(short)) does not build (log: \(directory)/build.log)")
            }
        }
        let base = catalog(built: directory, project: project)
        // The base's binaries say which commit they are: this checkout's git, around them, would
        // name the head's (and a base built before the stamp existed gets it here).
        _ = FileManager.default.createFile(
            atPath: base.binDirectory + "/" + ScenarioBinaries.stampName, contents: Data((short + "\n").utf8))
        return .catalog(base, commit: short, note: "base \(revision) (\(short)) built in \(directory)")
    }

    /// Whether this tree's scenario inputs (``ScenarioCatalog/scenarioInputs``: committed or not)
    /// are `commit`'s, byte for byte — then its scenario binaries would be this build's. An
    /// untracked file among them (a new scenario not yet added) is a difference: `git diff`
    /// alone would not see it.
    package static func hasScenarioCode(of commit: String, project: ScenarioCatalog) -> Bool {
        let git = ["git", "-C", project.projectRoot]
        guard run("/usr/bin/env", git + ["diff", "--quiet", commit, "--"] + project.scenarioInputs).status == 0 else {
            return false
        }
        let untracked = run(
            "/usr/bin/env", git + ["ls-files", "--others", "--exclude-standard", "--"] + project.scenarioInputs)
        return untracked.status == 0 && untracked.output?.isEmpty == true
    }

    /// Builds the package exported at `directory` (a folder under the tree's `.build/ab/`) in
    /// release, with this build's dependency objects where it can (see the type's comment), and
    /// marks it built so the next run reuses it. False when it does not build (`build.log` says
    /// why). `gate-proof` builds its code-change trees with it too.
    static func build(
        exported directory: String, describing label: String, project: ScenarioCatalog, log: (String) -> Void
    ) -> Bool {
        let root = project.projectRoot
        let started = Date()
        // bpbench finds its bin dir through /proc/self/exe: compare where the paths lead.
        let resolved = { (path: String) in URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        let shares = resolved(project.binDirectory) == resolved(root + "/.build/release")
        // A package of one's own shares its scratch path too: its base then compiles its own
        // targets only, not BackpressureBench's and their dependencies again (Examples/
        // chunk-uploader's base: 92 s apart, 11 s shared, load 9–13; the plan is forgotten and
        // every base scenario must be relinked, so the head's binaries cannot stand in for the
        // base's). It does not wait for the lock: SwiftPM holds it while `swift package bpbench`
        // runs, and the base is then built apart.
        let harness = project.scenarioInputs == ScenarioCatalog.harnessScenarioInputs
        log("building \(label) in \(directory)\(shares ? " with this build's dependencies" : "") …")
        // A shared build that did not relink every base scenario is not trusted (nil): the
        // base is then built apart, as before.
        let built =
            (shares
                ? buildSharingDependencies(base: directory, root: root, into: directory + "/bin", waitForLock: harness)
                : nil)
            ?? (run(
                "/usr/bin/env", ["swift", "build", "-c", "release", "--manifest-cache", "none"], in: directory,
                logTo: directory + "/build.log"
            ).status == 0)
        guard built else { return false }
        _ = FileManager.default.createFile(atPath: directory + "/" + builtMarker, contents: Data())
        log("built \(label) in \(Int(Date().timeIntervalSince(started).rounded())) s")
        return true
    }

    /// The file that marks a folder under `.build/ab/` as built.
    static let builtMarker = ".bpbench-built"

    /// A catalog over the scenario binaries built in `directory` by ``build(exported:describing:project:log:)``.
    static func catalog(built directory: String, project: ScenarioCatalog) -> ScenarioCatalog {
        let sharedBin = directory + "/bin"
        let binDirectory = FileManager.default.fileExists(atPath: sharedBin) ? sharedBin : directory + "/.build/release"
        return project.rebased(projectRoot: directory, binDirectory: binDirectory)
    }

    /// Builds the package exported at `base` in release with the scratch path of the tree at
    /// `root` (its `.build`) and moves its products into `bin`, putting the tree's back where they
    /// were. False when it does not build, nil when it did not relink every one of the base's
    /// scenarios (the tree's products are back in place either way) or, unless `waitForLock`,
    /// when another process holds SwiftPM's lock on the scratch path.
    package static func buildSharingDependencies(
        base: String, root: String, into bin: String, waitForLock: Bool = true
    ) -> Bool? {
        let fileManager = FileManager.default
        let scratch = root + "/.build"
        let products = scratch + "/release"
        let saved = base + "/.head-products"
        // SwiftPM reuses its last build plan when it thinks the package unchanged — the head's,
        // whose targets are all up to date: the base's build then compiled nothing (0.2 s) and
        // both sides ran the head's binaries. Without the plan it plans the package it is given,
        // before the base's build and again before the head's next one.
        let forgetPlan = {
            for plan in [
                scratch + "/release.yaml", scratch + "/plugin-tools.yaml", products + "/description.json",
                products + "/plugin-tools-description.json",
            ] {
                try? fileManager.removeItem(atPath: plan)
            }
        }
        // The same dependency versions as this build, or the dependencies would compile again
        // (the base resolves anew only if its manifest rules these pins out).
        try? fileManager.removeItem(atPath: base + "/Package.resolved")
        try? fileManager.copyItem(atPath: root + "/Package.resolved", toPath: base + "/Package.resolved")
        // SwiftPM's lock on the scratch path, held across build and swap, so no other build in
        // this checkout starts while the base's binaries stand where this tree's belong; the
        // build itself then runs with --ignore-lock.
        let lock = open(scratch + "/.lock", O_RDWR | O_CREAT, 0o644)
        if lock >= 0 && flock(lock, waitForLock ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            close(lock)
            return nil
        }
        defer {
            if lock >= 0 {
                flock(lock, LOCK_UN)
                close(lock)
            }
        }
        // Hard links keep this tree's products: a linker writes a new file (new inode) rather
        // than rewriting the old one, so a product the base build replaced is told by its inode.
        let head = linkedProducts(in: products)
        try? fileManager.removeItem(atPath: saved)
        try? fileManager.createDirectory(atPath: saved, withIntermediateDirectories: true)
        for name in head.keys { link(products + "/" + name, saved + "/" + name) }
        defer {
            let now = linkedProducts(in: products)
            for (name, inode) in head where now[name] != inode { rename(saved + "/" + name, products + "/" + name) }
            try? fileManager.removeItem(atPath: saved)
            forgetPlan()
        }
        forgetPlan()
        let build = run(
            "/usr/bin/env",
            [
                "swift", "build", "-c", "release", "--manifest-cache", "none", "--scratch-path", scratch,
                "--ignore-lock",
            ],
            in: base, logTo: base + "/build.log")
        guard build.status == 0 else { return false }
        // Every scenario of the base must be a new file; one that is not is the head's.
        let built = linkedProducts(in: products)
        let scenarios = ((try? fileManager.contentsOfDirectory(atPath: base + "/Scenarios")) ?? []).filter { name in
            ((try? fileManager.contentsOfDirectory(atPath: base + "/Scenarios/" + name)) ?? []).contains {
                $0.hasSuffix(".swift")
            }
        }
        guard !scenarios.isEmpty, scenarios.allSatisfy({ built[$0] != nil && built[$0] != head[$0] }) else {
            return nil
        }
        try? fileManager.removeItem(atPath: bin)
        guard (try? fileManager.createDirectory(atPath: bin, withIntermediateDirectories: true)) != nil else {
            return false
        }
        for (name, inode) in built {
            // Rebuilt: the base's own, moved out. Untouched (a dependency's tool): the same file
            // on both sides, linked.
            let moved =
                head[name] == inode
                ? link(products + "/" + name, bin + "/" + name) : rename(products + "/" + name, bin + "/" + name)
            guard moved == 0 else { return false }
        }
        return true
    }

    /// The executables and shared libraries at the top of a build's products folder, by name,
    /// with their inode numbers (the test bundle excluded: `swift build` does not make it).
    package static func linkedProducts(in folder: String) -> [String: UInt64] {
        var found: [String: UInt64] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where !name.hasSuffix(".xctest") {
            var info = stat()
            guard lstat(folder + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                info.st_mode & 0o111 != 0 || name.hasSuffix(".so")
            else { continue }
            found[name] = UInt64(info.st_ino)
        }
        return found
    }

    /// Runs a tool; its trimmed stdout (unless logged to a file) and exit status.
    package static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, logTo logFile: String? = nil
    ) -> (status: Int32, output: String?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        if let logFile, FileManager.default.createFile(atPath: logFile, contents: nil),
            let handle = FileHandle(forWritingAtPath: logFile)
        {
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
        }
        guard (try? process.run()) != nil else { return (-1, nil) }
        let data = logFile == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExitPromptly()
        return (
            process.terminationStatus,
            String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
