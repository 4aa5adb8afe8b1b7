import BenchSystem
import Foundation

/// The files `bpbench init` writes: a package of one's own that depends on BackpressureBench and
/// keeps its scenarios under `Scenarios/` (``ScenarioPackage``), and a scenario folder for
/// `bpbench init --scenario NAME`. Every file is written only when none of them exists yet, each
/// through a temporary name and a rename, so a refused or failed init leaves nothing behind.
public enum PackageTemplate {
    /// Where the package gets BackpressureBench from.
    public enum Source: Sendable, Equatable {
        /// A git URL (`.package(url:branch:)`).
        case url(String, branch: String)
        /// A local checkout (`.package(name:path:)`), e.g. while developing against it.
        case path(String)
    }

    /// The languages `init --scenario` has a skeleton for.
    public enum Language: String, CaseIterable, Sendable {
        case swift, node, python, command
    }

    /// The repository's URL for `bpbench init` without `--local`. This checkout has no remote to
    /// read it from; `--url` overrides it.
    public static let defaultURL = "https://github.com/backpressurebench/BackpressureBench.git"

    /// A scenario or package name: what SwiftPM accepts as a target and a folder, and a shell
    /// word (letters, digits, `-` and `_`, starting with a letter).
    public static func validateName(_ name: String, what: String) throws(BenchError) {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first),
            allowed, name.count <= 64
        else {
            throw BenchError(
                .usage, "\(what) '\(name)' must start with a letter and hold only letters, digits, - and _")
        }
        if ScenarioPackage.reservedNames.contains(name) {
            throw BenchError(.usage, "\(what) '\(name)' is the name of a BackpressureBench module; pick another")
        }
    }

    /// Every file of a new package named `name` (paths relative to its root).
    public static func package(name: String, source: Source) -> [(path: String, contents: String)] {
        let dependency: String
        switch source {
        case .url(let url, let branch): dependency = ".package(url: \"\(url)\", branch: \"\(branch)\")"
        case .path(let path): dependency = ".package(name: \"BackpressureBench\", path: \"\(path)\")"
        }
        return [
            ("Package.swift", manifest(name: name, dependency: dependency)),
            (".gitignore", gitignore),
            ("README.md", readme(name: name)),
            (".github/workflows/bench.yml", workflow),
        ] + scenario(name: "example", language: .swift)
    }

    /// The files of one scenario folder, `Scenarios/NAME/…`.
    public static func scenario(name: String, language: Language) -> [(path: String, contents: String)] {
        let folder = "Scenarios/" + name + "/"
        switch language {
        case .swift:
            return [
                (folder + "main.swift", swiftScenario(name: name)),
                (folder + "README.md", scenarioReadme(name: name, language: language)),
            ]
        case .node:
            return [
                (
                    folder + "scenario.json",
                    manifest(name: name, language: "node", command: ["node", "main.mjs"], requires: ["node"])
                ),
                (folder + "main.mjs", nodeProgram),
                (folder + "README.md", scenarioReadme(name: name, language: language)),
            ]
        case .python:
            return [
                (
                    folder + "scenario.json",
                    manifest(name: name, language: "python", command: ["python3", "main.py"], requires: ["python3"])
                ),
                (folder + "main.py", pythonProgram),
                (folder + "README.md", scenarioReadme(name: name, language: language)),
            ]
        case .command:
            return [
                (folder + "scenario.json", manifest(name: name, language: "sh", command: ["./run.sh"], requires: [])),
                (folder + "run.sh", shellProgram),
                (folder + "README.md", scenarioReadme(name: name, language: language)),
            ]
        }
    }

    /// Writes `files` under `root`, refusing (exit 73, nothing written) when any already exists.
    public static func write(_ files: [(path: String, contents: String)], under root: String) throws(BenchError) {
        let fileManager = FileManager.default
        if let existing = files.first(where: { fileManager.fileExists(atPath: root + "/" + $0.path) }) {
            throw BenchError(.cannotCreate, "\(root)/\(existing.path) already exists; refusing to overwrite anything")
        }
        var createdFolders: [String] = []
        var written: [String] = []
        do throws(BenchError) {
            for file in files {
                let path = root + "/" + file.path
                let folder = (path as NSString).deletingLastPathComponent
                var missing: [String] = []
                var probe = folder
                while !fileManager.fileExists(atPath: probe) {
                    missing.append(probe)
                    probe = (probe as NSString).deletingLastPathComponent
                }
                do {
                    try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw BenchError(.cannotCreate, "cannot create \(folder): \(error.localizedDescription)")
                }
                createdFolders += missing.reversed()
                try AtomicFile.write(file.contents, to: path)
                written.append(path)
                if file.path.hasSuffix(".sh") { chmod(path, 0o755) }
            }
        } catch {
            // Undo: a half-made package is worse than none.
            for path in written { unlink(path) }
            for folder in createdFolders.reversed() { rmdir(folder) }
            throw error
        }
    }

    // MARK: - The package

    static func manifest(name: String, dependency: String) -> String {
        """
        // swift-tools-version: 6.1
        //
        // \(name): benchmarks of your own code with BackpressureBench (`bpbench`).
        //
        // Every folder under Scenarios/ with Swift sources is an executable target linked with
        // ScenarioKit (and through it jemalloc, the allocator the harness reads the heap from);
        // bpbench finds the scenarios by folder, so adding one never touches this file.
        //   swift package -c release --allow-writing-to-package-directory bpbench run --profile quick
        //   (or: bpbench run --package-path .)

        import Foundation
        import PackageDescription

        let root = Context.packageDirectory

        /// The folders under Scenarios/ holding Swift sources, sorted for a stable manifest.
        func swiftScenarioFolders() -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Scenarios")) ?? []
            return names.sorted().filter { name in
                let files = (try? FileManager.default.contentsOfDirectory(atPath: root + "/Scenarios/" + name)) ?? []
                return !name.hasPrefix(".") && files.contains { $0.hasSuffix(".swift") }
            }
        }

        /// The code under test every scenario may import: your library targets (declared below) or
        /// products of your other dependencies.
        let codeUnderTest: [Target.Dependency] = []

        /// What a scenario links: the author API, plus your code. For the real-I/O building blocks
        /// (loopback TCP sink, Writable, BoundedChannel) add
        /// `.product(name: "ScenarioSupport", package: "BackpressureBench")` — it brings SwiftNIO,
        /// about two more minutes on the first release build.
        let scenarioDependencies: [Target.Dependency] = [
            .product(name: "ScenarioKit", package: "BackpressureBench"),
        ] + codeUnderTest

        let package = Package(
            name: "\(name)",
            platforms: [.macOS(.v15)],
            dependencies: [
                \(dependency),
            ],
            targets: swiftScenarioFolders().map { scenario in
                let hasReadme = FileManager.default.fileExists(atPath: root + "/Scenarios/" + scenario + "/README.md")
                return .executableTarget(name: scenario, dependencies: scenarioDependencies, path: "Scenarios/" + scenario,
                                         exclude: hasReadme ? ["README.md"] : [])
            }
        )

        """
    }

    static let gitignore = """
        .build/
        .swiftpm/
        # bpbench's output: every run's folder, the link to the last one, generated inputs, the last verdict.
        # Reports/baseline.json (and Reports/thresholds.json) are committed: the gate compares with them.
        Reports/runs/
        Reports/latest
        Reports/cache/
        Reports/verdict.json

        """

    static func readme(name: String) -> String {
        """
        # \(name)

        Benchmarks of this project's backpressure strategies with
        [BackpressureBench](\(defaultURL)): each scenario under `Scenarios/` runs in its own child
        process; memory (jemalloc in the child, `/proc` and `wait4` in the parent) and throughput are
        measured, every item is verified at the consumer.

        ```sh
        swift package -c release --allow-writing-to-package-directory bpbench list
        swift package -c release --allow-writing-to-package-directory bpbench run --profile quick --scale 1,4
        open Reports/latest/report.md

        # The gate: record a baseline once from 3 separate runs (commit Reports/baseline.json), then check each change.
        for run in 1 2 3; do swift package -c release --allow-writing-to-package-directory bpbench run --profile quick --scale 1,4 --repeat 5; done
        swift package -c release --allow-writing-to-package-directory bpbench baseline update
        swift package -c release --allow-writing-to-package-directory bpbench check --against HEAD~1
        cat Reports/verdict.json     # the check's real exit code (a plugin's is squashed to 0/1)

        # A new scenario: a folder under Scenarios/
        swift package -c release --allow-writing-to-package-directory bpbench init --scenario my-strategy
        ```

        `.github/workflows/bench.yml` runs the gate on every pull request. The plugin builds the
        harness (bpbench, its launcher) and the scenarios in release whatever `-c` says — the
        first time takes minutes; later runs only rebuild what changed.

        """
    }

    static let workflow = """
        # The BackpressureBench gate on every pull request: this branch's scenarios against the committed
        # Reports/baseline.json (heap, gauges, status, growth) and against the PR's base built and run in the
        # same job, interleaved (throughput, latency, CPU, RSS).
        name: bench
        on:
          pull_request:
        jobs:
          gate:
            runs-on: ubuntu-latest
            container: swift:6.3
            steps:
              - uses: actions/checkout@v4
                with: { fetch-depth: 0 }          # the base revision, for the same-job A/B
              - run: apt-get update -qq && apt-get install -y -qq libjemalloc-dev pkg-config git
              # SwiftPM's build folder (dependencies, the base revision's build under .build/ab/): a warm
              # cache turns minutes of compiling into seconds.
              - uses: actions/cache@v4
                with:
                  path: .build
                  key: bpbench-${{ runner.os }}-${{ hashFiles('Package.swift', 'Package.resolved') }}-${{ github.sha }}
                  restore-keys: bpbench-${{ runner.os }}-${{ hashFiles('Package.swift', 'Package.resolved') }}-
              - run: git config --global --add safe.directory "$GITHUB_WORKSPACE"
              - name: gate
                run: swift package -c release --allow-writing-to-package-directory bpbench check --against "origin/${{ github.base_ref }}" || true
              # The plugin's exit code is squashed to 0/1; the verdict file has the real one
              # (0 pass, 1 regression, 65 not comparable, 66 no baseline …).
              - name: verdict
                run: |
                  cat Reports/verdict.json
                  grep -q '"exitCode" : 0' Reports/verdict.json
              - if: always()
                run: cat Reports/latest/check.md Reports/latest/report.md >> "$GITHUB_STEP_SUMMARY" 2>/dev/null || true
              - if: always()
                uses: actions/upload-artifact@v4
                with: { name: bpbench-reports, path: Reports/latest/ }

        """

    // MARK: - A scenario

    static func swiftScenario(name: String) -> String {
        """
        import ScenarioKit

        /// \(name): a producer hands items to a consumer through a buffer that holds at most
        /// `capacity` of them. Replace the loop with the code you want to measure (import your
        /// library: add it to `codeUnderTest` in Package.swift); keep what the consumer verifies.
        @main
        struct Scenario_\(name.replacingOccurrences(of: "-", with: "_")): Scenario {
            static let items = Param<Int>.items(quick: "2000")
            static let itemBytes = Param<Int>.itemBytes()
            static let capacity = Param<Int>.count("capacity", default: "64", min: 1, help: "items the buffer holds before the producer waits")
            static let buffered = GaugeName("buffered_items")

            static let definition = ScenarioDescription(
                name: "\(name)", summary: "producer → buffer of `capacity` items → consumer (replace with your code)",
                parameters: [items, itemBytes, capacity], scale: items, gauges: [buffered],
                claims: [SeedClaim("the buffer never holds more than capacity", seed: "bpbench init",
                                   check: .gauge(buffered, atMost: capacity))])

            static func run(_ context: ScenarioContext) async throws -> VerificationReport {
                let count = context[items], size = context[itemBytes], slots = context[capacity]
                let level = context[buffered]
                var verifier = StreamVerifier(itemBytes: size)
                var buffer: [[UInt8]] = []
                buffer.reserveCapacity(slots)
                for sequence in 0..<count {
                    buffer.append(ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: size))
                    level.add(1)
                    // The producer waits while the buffer is full: the consumer drains it.
                    if buffer.count == slots || sequence == count - 1 {
                        for item in buffer {
                            item.withUnsafeBytes { verifier.consumeItem($0) }
                            level.add(-1)
                            context.addProgress(items: 1, bytes: size)
                        }
                        buffer.removeAll(keepingCapacity: true)
                        await Task.yield()
                    }
                }
                return verifier.report(expectedItems: count)
            }
        }

        """
    }

    static func scenarioReadme(name: String, language: Language) -> String {
        """
        # \(name)

        What strategy this scenario measures, the pattern it stands for, its parameters and the
        memory shape you expect (bounded, or growing with the input).

        \(language == .swift
            ? "An executable target (Package.swift makes one of every folder under Scenarios/ with Swift sources); `--describe` prints its description."
            : "A manifest (`scenario.json`) and a program; the manifest's fields and the result protocol are in BackpressureBench's Scenarios/PROTOCOL.md. As written it speaks no result protocol: its rows get RSS, CPU, wall time and its exit status; add `\"protocolVersion\": 2` once it writes hello, samples and a result on fd 3.")

        """
    }

    static func manifest(name: String, language: String, command: [String], requires: [String]) -> String {
        let argv = command.map { "\"\($0)\"" }.joined(separator: ", ")
        let required = requires.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            {
              "summary": "\(name): replace with what this program measures",
              "language": "\(language)",
              "command": [\(argv)],
              "requires": [\(required)],
              "parameters": [
                {"name": "items", "kind": "count", "defaultValue": "20000", "profileDefaults": {"quick": "2000"}, "minimum": 1, "help": "items the program moves"}
              ],
              "scaleParameter": "items"
            }

            """
    }

    static let nodeProgram = """
        // Replace with the code to measure. The harness appends --parameters '{"items":"2000",…}'
        // (strings as written: "2k", "16KiB"); see BackpressureBench's Scenarios/PROTOCOL.md.
        const args = process.argv;
        const parameters = JSON.parse(args[args.indexOf('--parameters') + 1] || '{}');
        const count = (text) => { const m = /^([0-9.]+)([kM]?)$/.exec(text || ''); return m ? Number(m[1]) * ({ k: 1e3, M: 1e6 }[m[2]] || 1) : 2000; };
        const items = count(parameters.items);
        const queue = [];
        for (let i = 0; i < items; i++) queue.push(Buffer.alloc(16384, i & 0xff));
        while (queue.length > 0) queue.shift();

        """

    static let pythonProgram = """
        # Replace with the code to measure. The harness appends --parameters '{"items":"2000",…}'
        # (strings as written: "2k", "16KiB"); see BackpressureBench's Scenarios/PROTOCOL.md.
        import json, sys
        args = sys.argv
        parameters = json.loads(args[args.index("--parameters") + 1]) if "--parameters" in args else {}
        text = parameters.get("items", "2000")
        items = int(float(text.rstrip("kM")) * {"k": 1e3, "M": 1e6}.get(text[-1:], 1))
        queue = [bytes([i & 0xFF]) * 16384 for i in range(items)]
        while queue:
            queue.pop()

        """

    static let shellProgram = """
        #!/bin/sh
        # Replace with the command to measure. The harness appends --parameters '{"items":"2000",…}';
        # see BackpressureBench's Scenarios/PROTOCOL.md for the result protocol (fd 3).
        head -c 16000000 /dev/zero | tail -c 1 > /dev/null

        """
}
