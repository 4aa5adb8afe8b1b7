import Foundation

/// How the harness starts a scenario's child: a Swift executable built next to `bpbench`, or the
/// program a folder's `scenario.json` names (``ScenarioManifest``).
public enum ScenarioLaunch: Sendable, Equatable {
    case built(executable: String)
    case external(ExternalCommand)

    /// The program and its leading arguments (the harness appends its standard ones), or nil
    /// with the reason when the scenario cannot run on this machine.
    package var command: (argv: [String], workingDirectory: String?)? {
        switch self {
        case .built(let executable): return ([executable], nil)
        case .external(let external):
            guard let program = external.program else { return nil }
            return ([program] + external.argv.dropFirst(), external.workingDirectory)
        }
    }

    /// Why its rows are skipped on this machine (a required tool is missing), or nil.
    public var unavailableReason: String? {
        if case .external(let external) = self { return external.unavailable }
        return nil
    }
}

/// A manifest's command, resolved on this machine.
public struct ExternalCommand: Sendable, Equatable {
    /// The argv as written in the manifest (never a shell string).
    public var argv: [String]
    /// argv[0] resolved to an absolute path: a file in the scenario's folder, else the first
    /// match on `PATH`; nil when it is a declared requirement this machine lacks.
    public var program: String?
    /// The scenario folder: the program runs there, so its argv may name files beside it.
    public var workingDirectory: String
    /// Why the rows are skipped (a tool listed under `requires` is not installed).
    public var unavailable: String?

    public init(argv: [String], program: String?, workingDirectory: String, unavailable: String?) {
        self.argv = argv
        self.program = program
        self.workingDirectory = workingDirectory
        self.unavailable = unavailable
    }

    /// `name` as the launcher can `execv` it: a path (relative to `folder`) or a `PATH` lookup.
    public static func resolve(
        _ name: String, in folder: String, path: String? = ProcessInfo.processInfo.environment["PATH"]
    ) -> String? {
        let fileManager = FileManager.default
        if name.contains("/") {
            let candidate = name.hasPrefix("/") ? name : (folder as NSString).appendingPathComponent(name)
            let standardized = (candidate as NSString).standardizingPath
            return fileManager.isExecutableFile(atPath: standardized) ? standardized : nil
        }
        let local = folder + "/" + name
        if fileManager.isExecutableFile(atPath: local) { return local }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = String(directory) + "/" + name
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                fileManager.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}
