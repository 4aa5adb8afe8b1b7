import BenchSystem
import BenchTestSupport
import Foundation
import XCTest

/// The author's API declares each name once, as a handle: a misspelt handle is a compile error.
/// Checked the way an author meets it — `swiftc -typecheck` of a small scenario against the
/// modules of the build the tests run in — both ways: spelt right it compiles, misspelt it does not.
final class TypedAPITests: ChildProcessTestCase {
    static func scenario(reading name: String) -> String {
        """
        import ScenarioKit

        struct Spelling: Scenario {
            static let items = Param<Int>.items()
            static let depth = GaugeName("depth")
            static let definition = ScenarioDescription(
                name: "spelling", summary: "", parameters: [items], scale: items, gauges: [depth],
                claims: [SeedClaim("bounded", seed: "x", check: .memoryBounded)])

            static func run(_ context: ScenarioContext) async throws -> VerificationReport {
                let count: Int = context[\(name)]
                context[depth].set(count)
                return VerificationReport.compare(expected: Checksum(ordered: true), received: Checksum(ordered: true))
            }
        }
        """
    }

    /// `swiftc -typecheck` of `source`: exit status and diagnostics.
    static func typecheck(_ source: String) throws -> (status: Int32, output: String) {
        // The configuration these tests were built in (release under `make test`).
        let build = TestSupport.binDirectory
        let projectRoot = TestSupport.projectRoot
        guard FileManager.default.fileExists(atPath: build + "/Modules/ScenarioKit.swiftmodule") else {
            throw XCTSkip("ScenarioKit is not built in \(build) (make test builds it)")
        }
        let file = NSTemporaryDirectory() + "typed-api-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).swift"
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "swiftc", "-typecheck", "-parse-as-library", "-I", build + "/Modules",
            "-Xcc", "-fmodule-map-file=\(projectRoot)/Sources/CJemalloc/module.modulemap",
            "-Xcc", "-fmodule-map-file=\(build)/JemallocDefaults.build/module.modulemap",
            "-Xcc", "-I\(projectRoot)/Sources/JemallocDefaults/include",
            // ScenarioKit's latency histogram (hdrhistogram-swift) sits on swift-numerics' C shims.
            "-Xcc",
            "-fmodule-map-file=\(projectRoot)/.build/checkouts/swift-numerics/Sources/_NumericsShims/include/module.modulemap",
            file,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExitPromptly()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testAScenarioReadingItsDeclaredHandleCompiles() throws {
        let outcome = try Self.typecheck(Self.scenario(reading: "items"))
        XCTAssertEqual(outcome.status, 0, outcome.output)
    }

    func testAMisspeltParameterDoesNotCompile() throws {
        let outcome = try Self.typecheck(Self.scenario(reading: "itmes"))
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("cannot find 'itmes' in scope"), outcome.output)
    }
}
