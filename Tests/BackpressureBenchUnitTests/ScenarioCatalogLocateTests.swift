import BenchModel
import BenchSystem
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore

/// The project root is absolute however it was named: children run in their own folders (a Node
/// scenario's working directory is its scenario folder), so a relative root made the paths the
/// run hands them (`--cache-dir Reports/cache`) resolve there — `Scenarios/node-pipeline/Reports/`
/// appeared in the checkout.
final class ScenarioCatalogLocateTests: ProcessFreeTestCase {
    func testARelativeRootBecomesAnAbsoluteProjectRoot() throws {
        let project = FileManager.default.temporaryDirectory.path + "/bpbench-locate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: project + "/Scenarios", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: project + "/Package.swift", contents: Data())
        defer { try? FileManager.default.removeItem(atPath: project) }
        // The same folder named relative to the current one: up to / and down again.
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + project.dropFirst()
        XCTAssertFalse(relative.hasPrefix("/"))

        let catalog = try ScenarioCatalog.locate(root: relative, binDirectory: "/nonexistent-bin")
        XCTAssertTrue(catalog.projectRoot.hasPrefix("/"), catalog.projectRoot)
        XCTAssertEqual(
            (catalog.projectRoot as NSString).resolvingSymlinksInPath,
            (project as NSString).resolvingSymlinksInPath)
        XCTAssertTrue(RunFolder.Reports(projectRoot: catalog.projectRoot).cache.hasPrefix("/"))
    }

    /// `--root` names the project or is refused (66, one line naming it): a missing folder or one
    /// that is not a project used to be passed over for the project found from the current folder
    /// — this test's own checkout — so `check --root <typo>` ran a full check of another tree.
    func testARootThatIsNotTheProjectIsRefusedNotReplaced() throws {
        let notProject = TestSupport.temporaryDirectory("locate-not-project")
        for root in [notProject + "/missing", notProject] {
            XCTAssertThrowsError(try ScenarioCatalog.locate(root: root, binDirectory: nil), root) { error in
                XCTAssertEqual(
                    error as? BenchError,
                    BenchError(.noInput, "--root \(root) is not the project (no Scenarios/ and Package.swift there)"))
            }
        }
    }
}
