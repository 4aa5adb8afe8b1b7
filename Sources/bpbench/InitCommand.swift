import ArgumentParser
import BenchCore
import BenchSystem
import Foundation

/// `bpbench init`: a ready package of one's own (`init DIR`), or one more scenario folder in it
/// (`init --scenario NAME`). Never overwrites: one existing file and nothing is written (exit 73).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract:
            "Create a package that benchmarks your own code (init DIR), or add a scenario to one (init --scenario NAME).",
        discussion: """
            init DIR writes Package.swift (depending on BackpressureBench by URL, or by path with --local), \
            one example Swift scenario under Scenarios/example, a README, .github/workflows/bench.yml \
            (the gate on pull requests) and a .gitignore. init --scenario NAME adds Scenarios/NAME to the \
            package at --package-path (default: the current folder): Swift sources, or for \
            --language node|python|command a scenario.json and a program. \
            Exit codes: 64 usage (a bad name, DIR and --scenario together); 66 --scenario outside a \
            package; 73 a file that would be written exists (nothing is written).
            """)

    @Argument(help: "The folder of the new package (created; may exist if empty of the files init writes).")
    var directory: String?

    @Option(help: "Depend on this local BackpressureBench checkout by path instead of by URL.")
    var local: String?

    @Option(help: "The BackpressureBench git URL to depend on (without --local).")
    var url: String = PackageTemplate.defaultURL

    @Option(help: "The branch of --url.")
    var branch: String = "main"

    @Option(help: "Add this scenario folder to an existing package instead of creating a package.")
    var scenario: String?

    @Option(
        help: "With --scenario: swift (an executable target), or node, python, command (a scenario.json and a program)."
    )
    var language: String = PackageTemplate.Language.swift.rawValue

    @Option(
        name: .customLong("package-path"),
        help: "With --scenario: the package to add it to (default: the current folder).")
    var packagePath: String?

    func run() throws {
        try reportingErrors {
            if let scenario {
                guard directory == nil else {
                    throw BenchError(
                        .usage, "init DIR creates a package, init --scenario NAME adds to one; pass one of them")
                }
                guard let language = PackageTemplate.Language(rawValue: language) else {
                    throw BenchError(
                        .usage,
                        "unknown --language '\(self.language)' (known: \(PackageTemplate.Language.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                try PackageTemplate.validateName(scenario, what: "scenario")
                let root = Self.absolute(packagePath ?? FileManager.default.currentDirectoryPath)
                guard FileManager.default.fileExists(atPath: root + "/Package.swift") else {
                    throw BenchError(
                        .noInput, "\(root) is not a Swift package (no Package.swift); create one with: bpbench init DIR"
                    )
                }
                try PackageTemplate.write(PackageTemplate.scenario(name: scenario, language: language), under: root)
                print(
                    "created \(root)/Scenarios/\(scenario)/ (\(language.rawValue)); bpbench list --package-path \(root) shows it"
                )
                return
            }
            guard let directory else {
                throw BenchError(
                    .usage, "init needs DIR (a new package) or --scenario NAME (a scenario in an existing one)")
            }
            let root = Self.absolute(directory)
            let name = (root as NSString).lastPathComponent
            try PackageTemplate.validateName(name, what: "package")
            let source: PackageTemplate.Source
            if let local {
                let checkout = Self.absolute(local)
                guard FileManager.default.fileExists(atPath: checkout + "/Package.swift"),
                    FileManager.default.fileExists(atPath: checkout + "/Sources/ScenarioKit")
                else {
                    throw BenchError(
                        .noInput,
                        "--local \(local) is not a BackpressureBench checkout (no Package.swift and Sources/ScenarioKit there)"
                    )
                }
                source = .path(checkout)
            } else {
                source = .url(url, branch: branch)
            }
            try PackageTemplate.write(PackageTemplate.package(name: name, source: source), under: root)
            print(
                "created \(root): Package.swift, Scenarios/example, README.md, .github/workflows/bench.yml, .gitignore")
            print(
                "next: bpbench run --package-path \(directory) --profile quick   (or, inside it: swift package --allow-writing-to-package-directory bpbench run --profile quick)"
            )
        }
    }

    static func absolute(_ path: String) -> String {
        ((path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path) as NSString)
            .standardizingPath
    }
}
