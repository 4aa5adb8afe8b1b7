import BenchCore
import BenchModel
import BenchProtocol
import BenchSystem
import Foundation
import XCTest

/// Paths and helpers shared by the tests. Child-process tests run the scenario and fixture
/// executables of the configuration the tests were built in: release under `make test` and CI
/// (the build `make bench` and the gate measure, so one build serves both), debug under a plain
/// `swift test`.
public enum TestSupport {
    public static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    #if DEBUG
    public static let configuration = "debug"
    #else
    public static let configuration = "release"
    #endif
    public static let binDirectory = projectRoot + "/.build/" + configuration
    public static var catalog: ScenarioCatalog { ScenarioCatalog(projectRoot: projectRoot, binDirectory: binDirectory) }

    public static func temporaryDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "bpbench-tests-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The scenario (or fixture) `name`, described from its own folder alone. `catalog.select`
    /// describes every one of the 22 folders to find one — ≈ 1 s a call at load 9 (`bpbench
    /// list`: 1.0–1.3 s), and SeedPatternTests made 15 such calls; it is still asked whenever the
    /// folder is missing, so an unknown name fails with its message.
    public static func entry(_ name: String) throws -> ScenarioCatalog.Entry {
        let executable = binDirectory + "/" + name
        let manifests = ["/Scenarios/", "/Tests/Fixtures/"].map {
            projectRoot + $0 + name + "/" + ScenarioManifest.fileName
        }
        guard
            FileManager.default.isExecutableFile(atPath: executable)
                || manifests.contains(where: FileManager.default.fileExists(atPath:))
        else {
            throw XCTSkip("\(executable) is not built; run `swift build -c \(configuration)` (make test does)")
        }
        let catalog = self.catalog
        if let folder = catalog.scenarioFolders(includeFixtures: true).first(where: { $0.name == name }) {
            return try catalog.entry(name: name, folder: folder.folder)
        }
        return try XCTUnwrap(try catalog.select([name], includeFixtures: true).entries.first)
    }

    /// Runs one child of `scenario` with `parameters` under `limits` and returns its record. The
    /// child's cache folder is its own unless `cacheDirectory` names one that tests share (what a
    /// scenario makes once per run, e.g. persistent-queue's initdb template, is then made once).
    public static func runChild(
        _ scenario: String, _ parameters: [String] = [], limits: ChildLimits = ChildLimits(), profile: Profile = .quick,
        interruption: Interruption? = nil, cacheDirectory: String? = nil
    ) throws -> RunRecord {
        let entry = try entry(scenario)
        let directory = temporaryDirectory("child")
        let plan = try RunPlan(
            entries: [entry], profile: profile, repeats: 1, warmups: 0, scales: [1], overrides: parameters)
        var document = RunDocument(
            startedAt: "test", profile: profile.rawValue, repeats: 1, warmups: 0, scales: [1], limits: limits,
            environment: HostEnvironment.capture(projectRoot: projectRoot))
        let runner = BenchRunner(
            catalog: catalog, limits: limits, cacheDirectory: cacheDirectory ?? directory + "/cache",
            interruption: interruption)
        runner.execute(plan, logDirectory: directory, into: &document) { _ in }
        if let record = document.records.first { return record }
        // An interrupted repeat is not recorded; rebuild it from the runner for the test's sake.
        var record = RunRecord(
            scenario: RowID(scenario), repeatIndex: 1, scale: 1, parameters: [:], logFile: directory + "/child.log")
        record.status = .interrupted
        return record
    }

    /// Process IDs of running executables whose name starts with `prefix` (argv[0]'s last path
    /// component), to prove no child outlived its run. Launchers count too: their argv[1] is the
    /// scenario.
    public static func processes(
        named prefix: String, includeLaunchers: Bool = true, withArgument argument: String? = nil
    ) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != getpid(), let data = readProcFile("/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let program = arguments.first.map({ ($0 as NSString).lastPathComponent }) else { return false }
            if let argument, !arguments.contains(argument) { return false }
            if program.hasPrefix(prefix) { return true }
            // A launcher's program follows its own options (`--chdir DIR`, `--cpus LIST`).
            var index = 1
            while index + 1 < arguments.count, arguments[index].hasPrefix("--") { index += 2 }
            let launched = index < arguments.count ? arguments[index] : ""
            return includeLaunchers && program == "bpbench-launch"
                && (launched as NSString).lastPathComponent.hasPrefix(prefix)
        }
    }

    /// Process IDs of running processes one of whose arguments contains `fragment` (a forked
    /// worker keeps its parent's command line, so this finds workers of external scenarios).
    public static func processes(withArgument fragment: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != getpid(), let data = readProcFile("/proc/\(pid)/cmdline") else { return false }
            return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self).contains(fragment) }
        }
    }

    /// Runs the bpbench of the tests' configuration from the project folder: exit status, stdout, stderr.
    public static func bpbench(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let executable = binDirectory + "/bpbench"
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw XCTSkip("bpbench is not built") }
        return try execute(executable, arguments, in: projectRoot)
    }

    /// Runs `executable` to the end: exit status, stdout, stderr.
    public static func execute(
        _ executable: String, _ arguments: [String], in directory: String? = nil
    ) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both to the end on their own threads: either pipe may fill first.
        nonisolated(unsafe) var errorData = Data()
        let errorReader = Thread { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExitPromptly()
        while errorReader.isExecuting || !errorReader.isFinished { usleep(1000) }
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    /// /proc files report a size of 0, so Foundation's size-based readers return nothing: read
    /// them with read(2) until end of file.
    public static func readProcFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }
}
