import BenchProtocol
import BenchSystem
import Foundation

/// A scenario that is not Swift: a folder under `Scenarios/` with a `scenario.json` and its
/// program. The manifest is a ``ScenarioDescription`` as a Swift scenario prints it with
/// `--describe` (the lists and flags it does not need may be left out, `name` defaults to the
/// folder), plus how to start it:
///
/// ```json
/// {
///   "summary": "Node's stream.pipeline over the stream workload",
///   "language": "node", "pattern": "pipeline",
///   "command": ["node", "pipeline.mjs"],
///   "requires": ["node"],
///   "protocolVersion": 2,
///   "parameters": [{"name": "items", "kind": "count", "defaultValue": "10000"}],
///   "scaleParameter": "items"
/// }
/// ```
///
/// - `command`: an argv array, never a shell string; argv[0] is a file in the folder or a
///   program on `PATH`. It runs in the folder, with the harness's standard arguments appended
///   (`Scenarios/PROTOCOL.md`).
/// - `requires`: programs that may be missing on a machine (e.g. `node`): then the rows are
///   `skipped` with the reason, not failures. A command that is neither required nor found is a
///   broken manifest.
/// - `protocolVersion`: the result protocol the program speaks; leave it out for a program that
///   speaks none (its rows get the parent's RSS, CPU and wall time, and its exit code as status).
///
/// Format and full rules: `Scenarios/PROTOCOL.md`.
public struct ScenarioManifest: Sendable {
    public static let fileName = "scenario.json"

    public var description: ScenarioDescription
    public var launch: ScenarioLaunch

    /// The keys only a manifest has (the rest is the description).
    private struct Launch: Decodable {
        var command: [String]?
        var requires: [String]?
    }

    /// Reads and checks `folder/scenario.json`. Each problem is one line naming the file (exit
    /// code 65 for a malformed or incomplete manifest, 69 for a command this machine lacks).
    public static func load(
        folder: String, path: String? = ProcessInfo.processInfo.environment["PATH"]
    ) throws(BenchError) -> ScenarioManifest {
        let file = folder + "/" + fileName
        let shown = Self.shownPath(file)
        let data = try JSONDocument.contents(of: file, what: "scenario manifest", missing: "\(shown): cannot be read")
        if let problem = JSONDocument.syntaxProblem(in: data) { throw BenchError(.data, "\(shown): \(problem)") }
        guard var fields = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        else { throw BenchError(.data, "\(shown): must be a JSON object") }
        let folderName = (folder as NSString).lastPathComponent
        if fields["name"] == nil { fields["name"] = folderName }
        switch fields["command"] {
        case nil:
            throw BenchError(.data, "\(shown): \"command\" is missing (an argv array, e.g. [\"node\", \"main.mjs\"])")
        case is String:
            throw BenchError(.data, "\(shown): \"command\" must be an argv array of strings, not a shell string")
        case let array as [Any] where array.isEmpty || !array.allSatisfy({ $0 is String }):
            throw BenchError(.data, "\(shown): \"command\" must be a non-empty array of strings")
        default: break
        }
        let normalized: Data
        let description: ScenarioDescription
        let launch: Launch
        do {
            normalized = try JSONSerialization.data(withJSONObject: fields)
            description = try JSONLineCoding.decoder.decode(ScenarioDescription.self, from: normalized)
            launch = try JSONLineCoding.decoder.decode(Launch.self, from: normalized)
        } catch {
            throw BenchError(.data, "\(shown): \(JSONDocument.problem(error))")
        }
        if let version = description.protocolVersion, version != ResultProtocol.version {
            throw BenchError(
                .data,
                "\(shown): protocolVersion \(version) is not one this bpbench speaks (\(ResultProtocol.version); or leave it out for a program that speaks none)"
            )
        }
        for spec in description.parameters {
            do {
                for profile in [spec.defaultValue] + spec.profileDefaults.values.sorted() {
                    _ = try spec.parse(profile)
                }
            } catch {
                throw BenchError(.data, "\(shown): the default of \(error)")
            }
        }
        let argv = launch.command ?? []
        let requires = launch.requires ?? []
        var unavailable: String?
        let program = ExternalCommand.resolve(argv[0], in: folder, path: path)
        if program == nil {
            if requires.contains(argv[0]) {
                unavailable = "'\(argv[0])' is not installed (not on PATH); the scenario requires it"
            } else {
                throw BenchError(
                    .unavailable,
                    "\(shown): command '\(argv[0])' is neither a program in the folder nor on PATH (list it under \"requires\" if some machines may lack it)"
                )
            }
        }
        for tool in requires where tool != argv[0] && unavailable == nil {
            if ExternalCommand.resolve(tool, in: folder, path: path) == nil {
                unavailable = "'\(tool)' is not installed (not on PATH); the scenario requires it"
            }
        }
        let command = ExternalCommand(argv: argv, program: program, workingDirectory: folder, unavailable: unavailable)
        return ScenarioManifest(description: description, launch: .external(command))
    }

    /// `Scenarios/x/scenario.json` rather than the whole absolute path, when it is under one.
    static func shownPath(_ file: String) -> String {
        let parts = file.split(separator: "/")
        guard parts.count >= 3 else { return file }
        return parts.suffix(3).joined(separator: "/")
    }
}
