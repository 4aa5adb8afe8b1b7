import ArgumentParser
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation

/// `bpbench list`: every scenario with its summary and parameters.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List scenarios, their one-line descriptions and parameters.")

    @OptionGroup var project: ProjectOptions

    @Flag(help: "Also list the harness's test fixtures.")
    var includeFixtures = false

    @Flag(help: "Only the row names (NAME and NAME/VARIANT), one per line.")
    var names = false

    @Option(name: .customLong("scenario"), help: "List only these rows: NAME, NAME/VARIANT or NAME/* (repeatable).")
    var scenarios: [String] = []

    @Option(help: "The profile whose rows NAME/* and the variant list show.")
    var profile: String = Profile.standard.rawValue

    func run() throws {
        try reportingErrors {
            guard let profile = Profile(rawValue: profile) else {
                throw BenchError(
                    .usage,
                    "unknown profile '\(self.profile)' (known: \(Profile.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            let catalog = try project.catalog()
            let discovery =
                scenarios.isEmpty
                ? catalog.discover(includeFixtures: includeFixtures)
                : try catalog.select(scenarios, includeFixtures: includeFixtures)
            let entries = discovery.entries.filter { includeFixtures || !scenarios.isEmpty || !$0.description.hidden }
            for entry in entries {
                // The rows `run` would plan for the same selection and profile.
                let rows =
                    discovery.rows[entry.name]?.rows(of: entry.description, profile: profile.rawValue)
                    ?? [nil] + entry.description.variants(for: profile.rawValue).map { Optional($0) }
                if names {
                    for row in rows { print(RowID(scenario: entry.name, variant: row?.name)) }
                    continue
                }
                let description = entry.description
                print("\(description.name)\(description.hidden ? " (fixture)" : "") — \(description.summary)")
                var traits: [String] = []
                if let language = description.language { traits.append("language: \(language)") }
                if let pattern = description.pattern { traits.append("pattern: \(pattern)") }
                if case .external(let command) = entry.launch {
                    traits.append("command: \(command.argv.joined(separator: " "))")
                    if description.protocolVersion == nil {
                        traits.append("no result protocol (RSS, CPU, wall time only)")
                    }
                }
                if let reason = entry.launch.unavailableReason { traits.append("skipped here: \(reason)") }
                if !traits.isEmpty { print("  " + traits.joined(separator: "; ")) }
                if !description.seeds.isEmpty { print("  seeds: \(description.seeds.joined(separator: ", "))") }
                for spec in description.parameters {
                    let profiles = Profile.allCases.compactMap { profile in
                        spec.profileDefaults[profile.rawValue].map { "\(profile.rawValue): \($0)" }
                    }
                    let extra =
                        (spec.choices.isEmpty ? [] : ["one of " + spec.choices.joined(separator: "|")]) + profiles
                    print(
                        "  \(spec.name)=\(spec.defaultValue)  [\(spec.kind.rawValue)\(extra.isEmpty ? "" : "; " + extra.joined(separator: "; "))]  \(spec.help)"
                    )
                }
                for variant in rows.compactMap({ $0 }) {
                    let settings = variant.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                        separator: " ")
                    print(
                        "  row \(entry.name)/\(variant.name) (\(settings); profiles: \(variant.profiles.joined(separator: ", "))) — \(variant.summary)"
                    )
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
