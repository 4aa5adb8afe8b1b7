import BenchCore
import BenchProtocol
import Foundation

/// The revision a check compares with in the same job (`bpbench check --against REV`): its tree
/// exported under `.build/ab/<commit>/` and built there in release mode, so its scenario binaries
/// can run interleaved with this tree's, measured by this tree's harness.
///
/// When REV's scenario code (every input of a scenario binary) is identical to this tree's, no
/// second build is needed: both sides run this tree's binaries, and the A/B measures the noise it
/// would have had to beat. Anything that cannot be prepared (an unknown revision, a failed build,
/// scenarios this bpbench cannot describe) is a reason to skip the A/B, said in one line — never
/// a failure of the check.
enum BaseRevision {
    enum Prepared {
        /// A catalog over REV's binaries, and a line saying what was done.
        case catalog(ScenarioCatalog, commit: String, note: String)
        /// The A/B cannot run; why, in one line.
        case skipped(String)
    }

    static func prepare(_ revision: String, project: ScenarioCatalog, log: (String) -> Void) -> Prepared {
        let root = project.projectRoot
        guard let commit = run("/usr/bin/env", ["git", "-C", root, "rev-parse", "--verify", "--quiet", revision + "^{commit}"]).output, !commit.isEmpty else {
            return .skipped("A/B skipped: '\(revision)' is not a commit here (no previous commit?)")
        }
        let short = String(commit.prefix(12))
        let same = run("/usr/bin/env", ["git", "-C", root, "diff", "--quiet", commit, "--"] + project.scenarioInputs).status == 0
        if same {
            return .catalog(project, commit: short, note: "base \(revision) (\(short)) has the same scenario code as this tree: both sides run this build's binaries, so the A/B measures noise alone")
        }
        let directory = root + "/.build/ab/" + short
        let binDirectory = directory + "/.build/release"
        let marker = directory + "/.bpbench-built"
        if !FileManager.default.fileExists(atPath: marker) {
            try? FileManager.default.removeItem(atPath: directory)
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                return .skipped("A/B skipped: cannot create \(directory): \(error.localizedDescription)")
            }
            // A package in a sub-folder of its repository exports that folder's tree alone.
            let prefix = run("/usr/bin/env", ["git", "-C", root, "rev-parse", "--show-prefix"]).output ?? ""
            let export = run("/bin/sh", ["-c", "git -C \"$1\" archive \"$2\" | tar -x -C \"$3\"", "sh", root, prefix.isEmpty ? commit : commit + ":" + prefix, directory])
            guard export.status == 0 else { return .skipped("A/B skipped: cannot export \(short) into \(directory)") }
            log("building base revision \(revision) (\(short)) in \(directory) …")
            let build = run("/usr/bin/env", ["swift", "build", "-c", "release", "--manifest-cache", "none"], in: directory, logTo: directory + "/build.log")
            guard build.status == 0 else { return .skipped("A/B skipped: base \(revision) (\(short)) does not build (log: \(directory)/build.log)") }
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
        }
        return .catalog(project.rebased(projectRoot: directory, binDirectory: binDirectory), commit: short, note: "base \(revision) (\(short)) built in \(directory)")
    }

    /// Runs a tool; its trimmed stdout (unless logged to a file) and exit status.
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil, logTo logFile: String? = nil) -> (status: Int32, output: String?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        if let logFile, FileManager.default.createFile(atPath: logFile, contents: nil), let handle = FileHandle(forWritingAtPath: logFile) {
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
        }
        guard (try? process.run()) != nil else { return (-1, nil) }
        let data = logFile == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
