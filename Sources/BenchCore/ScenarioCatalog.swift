import BenchProtocol
import Foundation

/// Finds the scenarios: every folder under `Scenarios/` (and, for the harness's own tests, under
/// `Tests/Fixtures/`) whose executable was built next to `bpbench`. Each one describes itself
/// (`<exe> --describe`), so the catalog knows nothing about any scenario in particular.
public struct ScenarioCatalog: Sendable {
    /// One discovered scenario.
    public struct Entry: Sendable {
        public var folder: String
        public var executable: String
        public var description: ScenarioDescription
        public var name: String { description.name }
    }

    /// The checkout: the folder holding `Scenarios/`.
    public let projectRoot: String
    /// Where the scenario executables and `bpbench-launch` were built.
    public let binDirectory: String

    public init(projectRoot: String, binDirectory: String) {
        self.projectRoot = projectRoot
        self.binDirectory = binDirectory
    }

    /// The usual places: `--root` or `$BPBENCH_ROOT`, else the nearest folder above the current
    /// one (or above the executable) that has `Scenarios/` and `Package.swift`.
    public static func locate(root: String?, binDirectory: String?) throws(BenchError) -> ScenarioCatalog {
        let executableDirectory = ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        let bin = binDirectory ?? (executableDirectory as NSString).deletingLastPathComponent
        let candidates = [root, ProcessInfo.processInfo.environment["BPBENCH_ROOT"], FileManager.default.currentDirectoryPath, bin].compactMap { $0 }
        for start in candidates {
            var folder = (start as NSString).standardizingPath
            while true {
                if FileManager.default.fileExists(atPath: folder + "/Scenarios"), FileManager.default.fileExists(atPath: folder + "/Package.swift") {
                    return ScenarioCatalog(projectRoot: folder, binDirectory: bin)
                }
                if root != nil && start == root { break }
                let parent = (folder as NSString).deletingLastPathComponent
                if parent == folder || parent.isEmpty { break }
                folder = parent
            }
        }
        throw BenchError(.noInput, "cannot find the project (a folder with Scenarios/ and Package.swift); pass --root")
    }

    public var launcherPath: String { binDirectory + "/bpbench-launch" }

    /// Folder names of the scenarios, user-facing first, fixtures after when asked for.
    public func scenarioFolders(includeFixtures: Bool) -> [(name: String, folder: String)] {
        var result = Self.swiftFolders(in: projectRoot + "/Scenarios")
        if includeFixtures { result += Self.swiftFolders(in: projectRoot + "/Tests/Fixtures") }
        return result
    }

    /// Every scenario with its self-description. A folder whose executable is missing (not built
    /// yet) is an error that says how to build it.
    public func entries(includeFixtures: Bool = false) throws(BenchError) -> [Entry] {
        var entries: [Entry] = []
        for (name, folder) in scenarioFolders(includeFixtures: includeFixtures) {
            let executable = binDirectory + "/" + name
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                throw BenchError(.noInput, "scenario '\(name)' has no executable at \(executable); build it first (make build)")
            }
            let description = try Self.describe(executable)
            // The folder is the scenario's identity (its target, its executable, its README); a
            // description that names another would put its rows under a name nothing else knows.
            guard description.name == name else {
                throw BenchError(.data, "scenario folder '\(name)' describes itself as '\(description.name)'; rename one so they match")
            }
            // A claim about a parameter, gauge or metric the scenario does not declare could only
            // ever say "not measured": refuse it where the author sees it.
            let undeclared = description.undeclaredNames()
            guard undeclared.isEmpty else {
                throw BenchError(.data, "scenario '\(name)': \(undeclared[0])\(undeclared.count > 1 ? " (and \(undeclared.count - 1) more)" : "")")
            }
            entries.append(Entry(folder: folder, executable: executable, description: description))
        }
        return entries
    }

    /// The entries for `names` (all visible ones when empty), in the order asked.
    public func select(_ names: [String], includeFixtures: Bool = false) throws(BenchError) -> [Entry] {
        let all = try entries(includeFixtures: includeFixtures || !names.isEmpty)
        if names.isEmpty { return all.filter { !$0.description.hidden } }
        var selected: [Entry] = []
        for name in names {
            guard let entry = all.first(where: { $0.name == name }) else {
                let known = all.filter { !$0.description.hidden }.map(\.name).joined(separator: ", ")
                throw BenchError(.usage, "unknown scenario '\(name)' (known: \(known))")
            }
            selected.append(entry)
        }
        return selected
    }

    static func describe(_ executable: String) throws(BenchError) -> ScenarioDescription {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--describe"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError(.noInput, "cannot run \(executable) --describe: \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        do {
            return try JSONLineCoding.decoder.decode(ScenarioDescription.self, from: data)
        } catch {
            throw BenchError(.data, "\(executable) --describe did not print a scenario description")
        }
    }

    static func swiftFolders(in path: String) -> [(name: String, folder: String)] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: path) else { return [] }
        return names.sorted().compactMap { name in
            let folder = path + "/" + name
            guard !name.hasPrefix("."), let files = try? fileManager.contentsOfDirectory(atPath: folder),
                  files.contains(where: { $0.hasSuffix(".swift") }) else { return nil }
            return (name, folder)
        }
    }
}

extension RunDocument {
    /// The rows of `entries` whose scale parameter is a duration (nil when there are none).
    public static func timeRows(_ entries: [ScenarioCatalog.Entry], profile: Profile) -> [String]? {
        let rows = entries.filter { $0.description.scalesTime }.flatMap { $0.description.rows(profile: profile.rawValue) }
        return rows.isEmpty ? nil : rows
    }
}
