import BenchCore
import BenchProtocol
import Foundation
import XCTest

/// Paths and helpers shared by the tests. Child-process tests run the debug-built scenario and
/// fixture executables (`make test` builds them first).
enum TestSupport {
    static let projectRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let binDirectory = projectRoot + "/.build/debug"
    static var catalog: ScenarioCatalog { ScenarioCatalog(projectRoot: projectRoot, binDirectory: binDirectory) }

    static func temporaryDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "bpbench-tests-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func entry(_ name: String) throws -> ScenarioCatalog.Entry {
        let executable = binDirectory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("\(executable) is not built; run `make build-debug` (make test does)")
        }
        return try XCTUnwrap(try catalog.select([name], includeFixtures: true).first)
    }

    /// Runs one child of `scenario` with `parameters` under `limits` and returns its record.
    static func runChild(_ scenario: String, _ parameters: [String] = [], limits: ChildLimits = ChildLimits(), profile: Profile = .quick, interruption: Interruption? = nil) throws -> RunRecord {
        let entry = try entry(scenario)
        let directory = temporaryDirectory("child")
        let plan = try RunPlan(entries: [entry], profile: profile, repeats: 1, warmups: 0, scales: [1], overrides: parameters)
        var document = RunDocument(startedAt: "test", profile: profile.rawValue, repeats: 1, warmups: 0, scales: [1], limits: limits,
                                   environment: HostEnvironment.capture(projectRoot: projectRoot))
        let runner = BenchRunner(catalog: catalog, limits: limits, cacheDirectory: directory + "/cache", interruption: interruption)
        runner.execute(plan, logDirectory: directory, into: &document) { _ in }
        if let record = document.records.first { return record }
        // An interrupted repeat is not recorded; rebuild it from the runner for the test's sake.
        var record = RunRecord(scenario: scenario, repeatIndex: 1, scale: 1, parameters: [:], logFile: directory + "/child.log")
        record.status = .interrupted
        return record
    }

    /// Process IDs whose command line mentions `name` (to prove no child outlived its run).
    static func processes(named name: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(name)
        }
    }
}
