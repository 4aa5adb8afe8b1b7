import BenchCore
import BenchModel
import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

/// Scenarios that are not Swift: a folder with `scenario.json` and any program, discovered and
/// run like a Swift one; broken manifests named one line each; the process tree measured.
final class ExternalScenarioTests: ChildProcessTestCase {
    /// fixture-tree's holder processes that this test process answers for (TestProcessScope): an
    /// escaped holder is re-parented to init but keeps the marker in its environment. Only its
    /// own: `swift test --parallel` may run another of these tests, and its holders, beside it.
    static func ownHolders() -> [Int32] {
        TestSupport.processes(withArgument: "holders.py").filter(TestProcessScope.leftovers().contains)
    }

    /// A project folder with `Package.swift`, `Scenarios/` and the given scenario folders
    /// (file name → contents; `.sh` files made executable).
    private func project(_ name: String, scenarios: [String: [String: String]]) throws -> ScenarioCatalog {
        let root = TestSupport.temporaryDirectory(name)
        try "".write(toFile: root + "/Package.swift", atomically: true, encoding: .utf8)
        for (scenario, files) in scenarios {
            let folder = root + "/Scenarios/" + scenario
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (file, contents) in files {
                try contents.write(toFile: folder + "/" + file, atomically: true, encoding: .utf8)
                if file.hasSuffix(".sh") { chmod(folder + "/" + file, 0o755) }
            }
        }
        return ScenarioCatalog(projectRoot: root, binDirectory: TestSupport.binDirectory)
    }

    /// The issue's acceptance test: a throw-away folder with a manifest and a 10-line shell
    /// program that speaks the result protocol is listed and runs to a verified row, with no edit
    /// under Sources/.
    static let shellScenario: [String: String] = [
        "scenario.json": """
        {"summary": "ten lines of sh", "language": "sh", "pattern": "echo", "command": ["./run.sh"], "protocolVersion": 2,
         "parameters": [{"name": "items", "kind": "count", "defaultValue": "3k", "help": "items it says it moved"}],
         "scaleParameter": "items"}
        """,
        "run.sh": """
        #!/bin/sh
        # Speaks the result protocol on fd 3: hello, one sample, the result (items from --parameters).
        items=$(echo "$@" | sed -E 's/.*"items":"([0-9]+)k?".*/\\1/')
        case "$*" in *'"items":"'*k'"'*) items=$((items * 1000));; esac
        echo '{"type":"hello","scenario":"shell-echo","pid":'$$',"sampleIntervalMs":1,"runtime":"sh"}' >&3
        echo '{"type":"sample","tMs":1,"counters":{"allocated":0,"active":0,"resident":0,"mapped":0,"retained":0},"items":0,"bytes":0,"gauges":{}}' >&3
        v='{"expectedItems":'$items',"receivedItems":'$items',"expectedChecksum":"0","receivedChecksum":"0","inOrder":true,"problems":[]}'
        echo '{"type":"result","status":"ok","items":'$items',"bytes":'$((items * 16))',"durationS":0.5,"peaks":{"allocated":0,"active":0,"resident":0,"mapped":0,"retained":0},"finalAllocated":0,"gaugeMaxima":{},"metrics":{},"verification":'$v',"samplerTicks":1,"samplerTickUs":1}' >&3
        """,
    ]

    func testAShellScenarioFolderIsListedAndRunsWithNoSwift() throws {
        let catalog = try project("shell-scenario", scenarios: ["shell-echo": Self.shellScenario])
        let entries = try catalog.entries()
        XCTAssertEqual(entries.map(\.name), ["shell-echo"])
        let entry = try XCTUnwrap(entries.first)
        XCTAssertEqual(entry.description.language, "sh")
        XCTAssertEqual(entry.description.parameter(named: "items")?.kind, .count)
        guard case .external(let command) = entry.launch else { return XCTFail("not an external launch") }
        XCTAssertEqual(command.program, catalog.projectRoot + "/Scenarios/shell-echo/run.sh")

        let record = try run(entry, in: catalog, parameters: ["items=2k"])
        XCTAssertEqual(record.status, .ok, record.statusDetail ?? "")
        XCTAssertEqual(record.items, 2000, "the resolved parameter reached the program")
        XCTAssertEqual(record.result?.verification?.passed, true)
        XCTAssertEqual(record.hello?.runtime, "sh")
        XCTAssertGreaterThan(record.observed.peakRssBytes, 0, "the parent measured it as it measures Swift children")

        // And through the command line, as a user would see it.
        let listing = try TestSupport.bpbench(["list", "--root", catalog.projectRoot])
        XCTAssertEqual(listing.status, 0, listing.error)
        XCTAssertTrue(listing.output.contains("shell-echo — ten lines of sh"), listing.output)
        XCTAssertTrue(listing.output.contains("command: ./run.sh"), listing.output)
    }

    /// A program that does not speak the protocol still gets a row: RSS, CPU and wall time from
    /// the parent, its status from its exit code, and a detail saying nothing was verified.
    func testAProgramWithoutTheProtocolGetsTheParentsFiguresAndItsExitCode() throws {
        let manifest = #"{"summary": "silent", "command": ["./quiet.sh"]}"#
        let catalog = try project(
            "silent",
            scenarios: [
                "quiet-ok": [
                    "scenario.json": manifest,
                    "quiet.sh": "#!/bin/sh\nhead -c 20000000 /dev/zero | tail -c 1 > /dev/null\n",
                ],
                "quiet-fails": ["scenario.json": manifest, "quiet.sh": "#!/bin/sh\nexit 3\n"],
                "quiet-garbage": ["scenario.json": manifest, "quiet.sh": "#!/bin/sh\necho 'not json' >&3\n"],
            ])
        let entries = try catalog.entries()
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0) })
        let ok = try run(try XCTUnwrap(byName["quiet-ok"]), in: catalog)
        XCTAssertEqual(ok.status, .ok)
        XCTAssertEqual(ok.statusDetail, RunRecord.unverifiedDetail)
        XCTAssertNil(ok.result?.verification)
        XCTAssertGreaterThan(ok.observed.peakRssBytes, 0)
        XCTAssertGreaterThan(ok.observed.wallS, 0)
        let failed = try run(try XCTUnwrap(byName["quiet-fails"]), in: catalog)
        XCTAssertEqual(failed.status, .error)
        XCTAssertTrue(failed.statusDetail?.contains("exited with code 3") ?? false, failed.statusDetail ?? "")
        let garbage = try run(try XCTUnwrap(byName["quiet-garbage"]), in: catalog)
        XCTAssertEqual(
            garbage.status, .protocolError, "garbage on fd 3 is a protocol error even from a program that declared none"
        )
    }

    /// Each broken manifest is one line naming the file, with its own exit code, and the good
    /// scenario beside it is still found.
    func testBrokenManifestsAreOneLineEachAndNeverHideTheOthers() throws {
        let cases: [(folder: String, manifest: String, code: Int32, says: String)] = [
            ("no-command", #"{"summary": "x"}"#, 65, "\"command\" is missing"),
            ("shell-string", #"{"command": "node main.mjs"}"#, 65, "not a shell string"),
            (
                "bad-kind",
                #"{"command": ["./run.sh"], "parameters": [{"name": "n", "kind": "speed", "defaultValue": "1"}]}"#, 65,
                "parameters[0].kind"
            ),
            ("malformed", #"{"command": ["./run.sh"],"#, 65, "scenario.json: not JSON: it ends early (truncated?)"),
            (
                "bad-default",
                #"{"command": ["./run.sh"], "parameters": [{"name": "n", "kind": "count", "defaultValue": "many"}]}"#,
                65, "parameter 'n'"
            ),
            (
                "no-such-program", #"{"command": ["bpbench-no-such-program", "x"]}"#, 69,
                "neither a program in the folder nor on PATH"
            ),
            ("wrong-name", #"{"name": "other", "command": ["./run.sh"]}"#, 65, "describes itself as 'other'"),
        ]
        var scenarios: [String: [String: String]] = [
            "good": ["scenario.json": #"{"command": ["./run.sh"]}"#, "run.sh": "#!/bin/sh\n"]
        ]
        for item in cases { scenarios[item.folder] = ["scenario.json": item.manifest, "run.sh": "#!/bin/sh\n"] }
        let catalog = try project("broken", scenarios: scenarios)
        let discovery = catalog.discover()
        XCTAssertEqual(discovery.entries.map(\.name), ["good"])
        XCTAssertEqual(discovery.problems.count, cases.count)
        for item in cases {
            let problem = discovery.problems.first {
                $0.message.contains("'\(item.folder)'") || $0.message.contains("/\(item.folder)/")
            }
            XCTAssertNotNil(problem, "\(item.folder): no problem reported")
            XCTAssertEqual(problem?.exitCode, item.code, "\(item.folder): \(problem?.message ?? "")")
            XCTAssertTrue(problem?.message.contains(item.says) ?? false, "\(item.folder): \(problem?.message ?? "")")
            XCTAssertFalse(problem?.message.contains("\n") ?? true, "one line")
        }
        // The command line: every problem on stderr, the good scenario still listed, the code of the first.
        let listing = try TestSupport.bpbench(["list", "--root", catalog.projectRoot])
        XCTAssertTrue(listing.output.contains("good"), listing.output)
        XCTAssertEqual(listing.error.split(separator: "\n").count, cases.count, listing.error)
        XCTAssertNotEqual(listing.status, 0)
    }

    /// A tool the scenario requires but this machine lacks skips its rows, with the reason, and
    /// `bpbench run` still exits 0.
    func testAMissingRequiredToolSkipsTheRowsWithTheReason() throws {
        let catalog = try project(
            "requires",
            scenarios: [
                "needs-tool": [
                    "scenario.json":
                        #"{"command": ["bpbench-absent-runtime", "main.js"], "requires": ["bpbench-absent-runtime"]}"#
                ]
            ])
        let entry = try XCTUnwrap(try catalog.entries().first)
        XCTAssertNotNil(entry.launch.unavailableReason)
        let record = try run(entry, in: catalog)
        XCTAssertEqual(record.status, .skipped)
        XCTAssertTrue(
            record.statusDetail?.contains("'bpbench-absent-runtime' is not installed") ?? false,
            record.statusDetail ?? "")
        let cli = try TestSupport.bpbench([
            "run", "--root", catalog.projectRoot, "--profile", "quick", "--repeat", "1", "--warmup", "0", "--quiet",
            "--out", TestSupport.temporaryDirectory("requires-run") + "/run",
        ])
        XCTAssertEqual(cli.status, 0, "skipped rows are not failures: \(cli.error)")
    }

    /// The tree test of the issue: a child that forks two 64 MiB holders shows ≈ 128 MiB more in
    /// the tree total than in the child alone, three processes, and no holder outlives the run.
    func testTheProcessTreeTotalSeesTheHoldersTheChildAloneDoesNot() throws {
        let record = try TestSupport.runChild("fixture-tree", ["hold=600ms"])
        XCTAssertEqual(record.status, .ok, record.statusDetail ?? "")
        let mib = Double(1 << 20)
        let tree = Double(try XCTUnwrap(record.observed.peakTreeRssBytes, "the tree was not seen"))
        // The child alone is what the parent sampled of its own pid: the kernel's ru_maxrss from
        // wait4 is the largest single process among the child and the descendants it waited for
        // (here a holder's 73 MiB), not the child's own.
        let alone = Double(record.observed.peakRssSampledBytes)
        let extra = tree - alone
        XCTAssertGreaterThanOrEqual(
            Double(record.observed.peakRssBytes), 64 * mib, "wait4 folds the reaped holders' peak in")
        // Each holder is 64 MiB plus the pages it shares with its parent (a fork's copy-on-write
        // pages count in both RSS figures): at least 128 MiB, at most 128 MiB plus two more
        // copies of the parent.
        XCTAssertGreaterThanOrEqual(extra, 128 * mib, "tree \(tree / mib) MiB, child \(alone / mib) MiB")
        XCTAssertLessThanOrEqual(
            extra, 128 * mib + 2 * alone + 8 * mib, "tree \(tree / mib) MiB, child \(alone / mib) MiB")
        // The child and its two holders at once; an interpreter shim on PATH (pyenv's python3 is
        // a bash script that runs helpers before it execs) can add a short-lived one at start.
        XCTAssertGreaterThanOrEqual(record.maxProcesses ?? 0, 3)
        XCTAssertLessThanOrEqual(record.maxProcesses ?? 0, 5)
        XCTAssertGreaterThanOrEqual(Double(record.observed.peakLargestProcessRssBytes ?? 0), 64 * mib)
        XCTAssertLessThan(alone, 64 * mib, "the child itself holds no block")
        XCTAssertTrue(
            record.timeline.contains { ($0.treeRssBytes ?? 0) > $0.rssBytes + 100 << 20 },
            "the timeline carries the tree total")
        XCTAssertEqual(Self.ownHolders(), [], "a holder outlived the run")
    }

    /// A process that escapes the tree at once (re-parented to init before any walk sees it) and
    /// keeps the output pipe open must neither hang the harness nor outlive the run: it is found
    /// by the pipe it holds and killed after the grace period; without one the run ends at once.
    func testAnEscapedHolderOfTheOutputPipeIsKilledNotWaitedFor() throws {
        let started = Date()
        let record = try TestSupport.runChild("fixture-tree", ["holders=0", "escape=1", "hold=120s"])
        XCTAssertEqual(record.status, .ok, record.statusDetail ?? "")
        XCTAssertEqual(record.observed.pipeHoldersKilled, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "the harness waited for the escaped holder")
        let deadline = Date().addingTimeInterval(2)
        while !Self.ownHolders().isEmpty, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(Self.ownHolders(), [], "the escaped holder outlived the run")
        let plain = try TestSupport.runChild("fixture-tree", ["holders=0"])
        XCTAssertNil(plain.observed.pipeHoldersKilled, "nothing held the pipe, nothing was killed")
    }

    /// The cap holds for the whole tree: holders that together pass it end the row at memory-cap
    /// although the child alone stays far below it, and the holders are killed with it.
    func testTheMemoryCapHoldsForTheTree() throws {
        var limits = ChildLimits()
        limits.memoryCapBytes = 100 << 20
        let record = try TestSupport.runChild("fixture-tree", ["hold=3s"], limits: limits)
        XCTAssertEqual(record.status, .memoryCap, record.statusDetail ?? "")
        XCTAssertTrue(record.statusDetail?.contains("RSS of its") ?? false, record.statusDetail ?? "")
        let deadline = Date().addingTimeInterval(2)
        while !Self.ownHolders().isEmpty, Date() < deadline { usleep(20_000) }
        XCTAssertEqual(Self.ownHolders(), [], "a holder outlived the kill")
    }

    /// The Node twins run the Swift workload: the same input file and item format, so their
    /// reader reaches the checksum Swift's ItemCodec computes — and says no when it does not.
    func testANodeStreamScenarioVerifiesTheSwiftItemFormatAndCanFailVerification() throws {
        guard ExternalCommand.resolve("node", in: "/") != nil else {
            throw XCTSkip("node is not installed (make deps installs it)")
        }
        let entry = try TestSupport.entry("node-manual-drain")
        let cache = TestSupport.temporaryDirectory("node-cache")
        // The Swift side's expectation for 64 items of 16 KiB (ItemCodec.expectedChecksum, from a Swift run).
        let good = try run(entry, in: TestSupport.catalog, parameters: ["items=64", "consumer_rate=0"], cache: cache)
        XCTAssertEqual(good.status, .ok, good.statusDetail ?? "")
        XCTAssertEqual(good.result?.verification?.receivedItems, 64)
        XCTAssertEqual(good.result?.verification?.expectedChecksum, Self.swiftChecksumOf64Items)
        XCTAssertEqual(good.hello?.runtime?.hasPrefix("node v"), true)
        XCTAssertNotNil(good.observed.rssAtHelloBytes, "the idle floor was taken at hello")
        XCTAssertGreaterThan(good.peaks.allocated, 0, "V8's heap figures arrive in the counters")
        // A wrong expectation (as a corrupted stream would produce) fails the row.
        try #"{"count":64,"hex":"0123456789abcdef"}"#.write(
            toFile: cache + "/items-64x16384.expected.json", atomically: true, encoding: .utf8)
        let bad = try run(entry, in: TestSupport.catalog, parameters: ["items=64", "consumer_rate=0"], cache: cache)
        XCTAssertEqual(bad.status, .failedVerification, bad.statusDetail ?? "")
        XCTAssertTrue(
            bad.statusDetail?.contains("differs from expected 0123456789abcdef") ?? false, bad.statusDetail ?? "")
    }

    /// `ItemCodec.expectedChecksum(items: 64, itemBytes: 16384, ordered: true).hex`, as a Swift
    /// child reports it (pipeline-copy --param items=64).
    static let swiftChecksumOf64Items = "d84c3e6148d70a82"

    private func run(
        _ entry: ScenarioCatalog.Entry, in catalog: ScenarioCatalog, parameters: [String] = [], cache: String? = nil
    ) throws -> RunRecord {
        let directory = TestSupport.temporaryDirectory("external")
        let plan = try RunPlan(
            entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: parameters)
        let runner = BenchRunner(
            catalog: catalog, limits: ChildLimits(), cacheDirectory: cache ?? directory + "/cache", interruption: nil)
        return runner.execute(try XCTUnwrap(plan.steps.first), profile: .quick, logDirectory: directory)
    }
}
