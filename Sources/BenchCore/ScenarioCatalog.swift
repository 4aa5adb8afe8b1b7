import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// Finds the scenarios: every folder under `Scenarios/` (and, for the harness's own tests, under
/// `Tests/Fixtures/`) that holds Swift sources — its executable, built next to `bpbench`,
/// describes itself (`<exe> --describe`) — or a `scenario.json` naming any other program
/// (``ScenarioManifest``). The catalog knows nothing about any scenario in particular.
public struct ScenarioCatalog: Sendable {
    /// One discovered scenario (the model's ``ScenarioEntry``).
    public typealias Entry = ScenarioEntry

    /// What discovery found: the scenarios that can be planned, and one line (with its exit code)
    /// for each folder that could not be read — a broken folder never hides the others.
    public struct Discovery: Sendable {
        public var entries: [Entry] = []
        public var problems: [BenchError] = []
        /// The rows the user named, per scenario (see ``RowSelection``); empty when none were
        /// named and every scenario runs all of its profile's rows.
        public var rows: [String: RowSelection] = [:]
    }

    /// The checkout: the folder holding `Scenarios/`.
    public let projectRoot: String
    /// Where the scenario executables were built.
    public let binDirectory: String
    /// The launcher (`bpbench-launch`): beside the scenarios in this repository, this harness's
    /// own for a package of one's own (whose build has no launcher: it depends on the author
    /// libraries only).
    public let launcherPath: String
    /// The paths (relative to `projectRoot`) whose contents make the scenario binaries: when none
    /// differs between two revisions, their binaries are the same (`check --against`).
    public let scenarioInputs: [String]
    /// Variables every child of this catalog is started with, on top of the harness's own:
    /// gate-proof's head side carries its harness-injected leak here
    /// (`ResultProtocol.injectedLeakVariable`), the base side the same binaries without it.
    public private(set) var childEnvironment: [String: String] = [:]

    /// What a scenario binary of this repository is built from.
    public static let harnessScenarioInputs = [
        "Package.swift", "Scenarios", "Sources/ScenarioKit", "Sources/ScenarioSupport", "Sources/BenchProtocol",
        "Sources/CJemalloc", "Sources/JemallocDefaults", "Sources/bpbench-launch",
    ]

    public init(
        projectRoot: String, binDirectory: String, launcherPath: String? = nil,
        scenarioInputs: [String] = ScenarioCatalog.harnessScenarioInputs
    ) {
        self.projectRoot = projectRoot
        self.binDirectory = binDirectory
        self.launcherPath = launcherPath ?? binDirectory + "/bpbench-launch"
        self.scenarioInputs = scenarioInputs
    }

    /// The same kind of project at another root (a base revision exported under `.build/ab/`):
    /// a package of one's own keeps this harness's launcher and its own list of inputs.
    public func rebased(projectRoot: String, binDirectory: String) -> ScenarioCatalog {
        let ownLauncher = launcherPath == self.binDirectory + "/bpbench-launch"
        return ScenarioCatalog(
            projectRoot: projectRoot, binDirectory: binDirectory, launcherPath: ownLauncher ? nil : launcherPath,
            scenarioInputs: scenarioInputs)
    }

    /// The same catalog whose children also get `variables`.
    public func withChildEnvironment(_ variables: [String: String]) -> ScenarioCatalog {
        var catalog = self
        catalog.childEnvironment.merge(variables) { $1 }
        return catalog
    }

    /// The usual places: `--root` or `$BPBENCH_ROOT`, else the nearest folder above the current
    /// one (or above the executable) that has `Scenarios/` and `Package.swift`. A `--root` that is
    /// not the project is refused (66), not replaced by the project found another way: a typo'd
    /// `check --root` ran a full check of the checkout it was started in.
    public static func locate(root: String?, binDirectory: String?) throws(BenchError) -> ScenarioCatalog {
        let executableDirectory =
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        let bin = binDirectory ?? (executableDirectory as NSString).deletingLastPathComponent
        let candidates =
            root.map { [$0] }
            ?? [ProcessInfo.processInfo.environment["BPBENCH_ROOT"], FileManager.default.currentDirectoryPath, bin]
            .compactMap { $0 }
        for start in candidates {
            // Absolute, always: the run's paths (Reports/cache, work folders) are handed to children
            // that run in their own folders (a Node scenario's cwd is its scenario folder), where a
            // relative `--root .` once made the input cache land in Scenarios/NAME/Reports/.
            let absolute = start.hasPrefix("/") ? start : FileManager.default.currentDirectoryPath + "/" + start
            var folder = (absolute as NSString).standardizingPath
            while true {
                if FileManager.default.fileExists(atPath: folder + "/Scenarios"),
                    FileManager.default.fileExists(atPath: folder + "/Package.swift")
                {
                    return ScenarioCatalog(projectRoot: folder, binDirectory: bin)
                }
                if root != nil && start == root { break }
                let parent = (folder as NSString).deletingLastPathComponent
                if parent == folder || parent.isEmpty { break }
                folder = parent
            }
        }
        if let root {
            throw BenchError(.noInput, "--root \(root) is not the project (no Scenarios/ and Package.swift there)")
        }
        throw BenchError(.noInput, "cannot find the project (a folder with Scenarios/ and Package.swift); pass --root")
    }

    /// Folder names of the scenarios, user-facing first, fixtures after when asked for.
    public func scenarioFolders(includeFixtures: Bool) -> [(name: String, folder: String)] {
        var result = Self.scenarioFolders(in: projectRoot + "/Scenarios")
        if includeFixtures { result += Self.scenarioFolders(in: projectRoot + "/Tests/Fixtures") }
        return result
    }

    /// Every scenario with its description, and a problem line for each folder that has none.
    public func discover(includeFixtures: Bool = false) -> Discovery {
        var discovery = Discovery()
        for (name, folder) in scenarioFolders(includeFixtures: includeFixtures) {
            do {
                discovery.entries.append(try entry(name: name, folder: folder))
            } catch {
                discovery.problems.append(error)
            }
        }
        return discovery
    }

    /// Every scenario with its self-description; the first broken folder is an error (for the
    /// gate and tests, which must not silently run fewer scenarios).
    public func entries(includeFixtures: Bool = false) throws(BenchError) -> [Entry] {
        let discovery = discover(includeFixtures: includeFixtures)
        if let problem = discovery.problems.first { throw problem }
        return discovery.entries
    }

    /// Reads one folder: a manifest, or a built Swift executable's `--describe`.
    public func entry(name: String, folder: String) throws(BenchError) -> Entry {
        let hasManifest = FileManager.default.fileExists(atPath: folder + "/" + ScenarioManifest.fileName)
        let entry: Entry
        if hasManifest {
            guard !Self.hasSwiftSources(folder) else {
                throw BenchError(
                    .data, "scenario folder '\(name)' has both Swift sources and \(ScenarioManifest.fileName); keep one"
                )
            }
            let manifest = try ScenarioManifest.load(folder: folder)
            entry = Entry(folder: folder, launch: manifest.launch, description: manifest.description)
        } else {
            let executable = binDirectory + "/" + name
            guard FileManager.default.isExecutableFile(atPath: executable) else {
                throw BenchError(
                    .noInput, "scenario '\(name)' has no executable at \(executable); build it first (make build)")
            }
            entry = Entry(folder: folder, executable: executable, description: try Self.describe(executable))
        }
        let description = entry.description
        // The folder is the scenario's identity (its target, its executable, its README); a
        // description that names another would put its rows under a name nothing else knows.
        guard description.name == name else {
            throw BenchError(
                .data, "scenario folder '\(name)' describes itself as '\(description.name)'; rename one so they match")
        }
        // A claim about a parameter, gauge or metric the scenario does not declare could only
        // ever say "not measured": refuse it where the author sees it.
        let undeclared = description.undeclaredNames()
        guard undeclared.isEmpty else {
            throw BenchError(
                .data,
                "scenario '\(name)': \(undeclared[0])\(undeclared.count > 1 ? " (and \(undeclared.count - 1) more)" : "")"
            )
        }
        return entry
    }

    /// What `bpbench run --scenario …` selects: the named scenarios (a broken one named is an
    /// error), or every visible one, with the broken folders as problems beside them. A name is
    /// `NAME` (the scenario's base row), `NAME/VARIANT` (that one variant, whatever the profile)
    /// or `NAME/*` (every row the profile runs); a misspelt scenario or variant is a usage error.
    public func select(_ names: [String], includeFixtures: Bool = false) throws(BenchError) -> Discovery {
        let discovery = discover(includeFixtures: includeFixtures || !names.isEmpty)
        if names.isEmpty {
            var visible = discovery
            visible.entries = discovery.entries.filter { !$0.description.hidden }
            return visible
        }
        var selected = Discovery()
        for selector in names {
            let row = RowID(selector)
            let name = row.scenario
            let variant = row.variant
            guard let entry = discovery.entries.first(where: { $0.name == name }) else {
                if let folder = scenarioFolders(includeFixtures: true).first(where: { $0.name == name }) {
                    // The folder exists but is broken: its own problem says why.
                    _ = try entry(name: name, folder: folder.folder)
                }
                let known = discovery.entries.filter { !$0.description.hidden }.map(\.name).joined(separator: ", ")
                throw BenchError(.usage, "unknown scenario '\(name)' (known: \(known))")
            }
            if let variant, variant != RowSelection.everyRow,
                !(entry.description.variants ?? []).contains(where: { $0.name == variant })
            {
                let known = (entry.description.variants ?? []).map(\.name)
                throw BenchError(
                    .usage,
                    "unknown variant '\(variant)' of '\(name)' (\(known.isEmpty ? "it has none" : "known: " + known.joined(separator: ", ") + ", or *"))"
                )
            }
            if !selected.entries.contains(where: { $0.name == name }) { selected.entries.append(entry) }
            selected.rows[name, default: RowSelection()].add(variant)
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
        process.waitUntilExitPromptly()
        do {
            return try JSONLineCoding.decoder.decode(ScenarioDescription.self, from: data)
        } catch {
            throw BenchError(
                .data, "\(executable) --describe did not print a scenario description: \(JSONDocument.problem(error))")
        }
    }

    /// The sub-folders of `path` that are scenarios: Swift sources or a manifest.
    static func scenarioFolders(in path: String) -> [(name: String, folder: String)] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: path) else { return [] }
        return names.sorted().compactMap { name in
            let folder = path + "/" + name
            guard !name.hasPrefix("."),
                hasSwiftSources(folder) || fileManager.fileExists(atPath: folder + "/" + ScenarioManifest.fileName)
            else { return nil }
            return (name, folder)
        }
    }

    static func hasSwiftSources(_ folder: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { $0.hasSuffix(".swift") }
    }
}
