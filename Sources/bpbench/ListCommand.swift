import ArgumentParser
import BenchCore
import BenchProtocol
import Foundation

/// `bpbench list`: every scenario with its summary and parameters.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List scenarios, their one-line descriptions and parameters.")

    @OptionGroup var project: ProjectOptions

    @Flag(help: "Also list the harness's test fixtures.")
    var includeFixtures = false

    @Flag(help: "Only the names, one per line.")
    var names = false

    func run() throws {
        try reportingErrors {
            let discovery = try project.catalog().discover(includeFixtures: includeFixtures)
            let entries = discovery.entries.filter { includeFixtures || !$0.description.hidden }
            for entry in entries {
                if names {
                    print(entry.name)
                    continue
                }
                let description = entry.description
                print("\(description.name)\(description.hidden ? " (fixture)" : "") — \(description.summary)")
                var traits: [String] = []
                if let language = description.language { traits.append("language: \(language)") }
                if let pattern = description.pattern { traits.append("pattern: \(pattern)") }
                if case .external(let command) = entry.launch {
                    traits.append("command: \(command.argv.joined(separator: " "))")
                    if description.protocolVersion == nil { traits.append("no result protocol (RSS, CPU, wall time only)") }
                }
                if let reason = entry.launch.unavailableReason { traits.append("skipped here: \(reason)") }
                if !traits.isEmpty { print("  " + traits.joined(separator: "; ")) }
                if !description.seeds.isEmpty { print("  seeds: \(description.seeds.joined(separator: ", "))") }
                for spec in description.parameters {
                    let profiles = Profile.allCases.compactMap { profile in spec.profileDefaults[profile.rawValue].map { "\(profile.rawValue): \($0)" } }
                    let extra = (spec.choices.isEmpty ? [] : ["one of " + spec.choices.joined(separator: "|")]) + profiles
                    print("  \(spec.name)=\(spec.defaultValue)  [\(spec.kind.rawValue)\(extra.isEmpty ? "" : "; " + extra.joined(separator: "; "))]  \(spec.help)")
                }
                print("")
            }
            for problem in discovery.problems {
                FileHandle.standardError.write(Data("bpbench: error: \(problem.message)\n".utf8))
            }
            if let problem = discovery.problems.first { throw ExitCode(problem.exitCode) }
        }
    }
}
