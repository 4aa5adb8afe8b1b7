import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel

/// Which scenario binaries a run ran (``ScenarioBinaries``): none noted for the checkout's own
/// build; for another folder the commit its stamp names, else the commit of the package whose
/// `.build/release` it is, else unknown.
final class ScenarioBinariesTests: ProcessFreeTestCase {
    var folder = ""

    override func setUp() {
        super.setUp()
        folder =
            URL(fileURLWithPath: TestSupport.temporaryDirectory("scenario-binaries")).resolvingSymlinksInPath().path
    }

    func make(_ path: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func testTheCheckoutsOwnBuildIsNotNoted() throws {
        let root = try make(folder + "/project")
        let own = try make(root + "/.build/release")
        XCTAssertNil(ScenarioBinaries.of(binDirectory: own, projectRoot: root) { _ in "never asked" })
    }

    func testAnotherPackagesBuildIsThatPackagesCommit() throws {
        let root = try make(folder + "/project")
        let other = try make(folder + "/other/.build/release")
        var asked: [String] = []
        let binaries = ScenarioBinaries.of(binDirectory: other, projectRoot: root) {
            asked.append($0)
            return "496d18f00000"
        }
        XCTAssertEqual(binaries, ScenarioBinaries(directory: other, commit: "496d18f00000"))
        XCTAssertEqual(asked, [folder + "/other"], "the package above .build")
        XCTAssertEqual(binaries?.description, "binaries from \(other), built at commit 496d18f00000")
    }

    func testAStampNamesTheCommitEvenInsideThisCheckout() throws {
        // A check --against base: built under .build/ab/, inside the checkout, whose git would
        // name the head's commit.
        let root = try make(folder + "/project")
        let base = try make(root + "/.build/ab/496d18f00000/bin")
        try "496d18f00000\n".write(toFile: base + "/" + ScenarioBinaries.stampName, atomically: true, encoding: .utf8)
        let binaries = ScenarioBinaries.of(binDirectory: base, projectRoot: root) { _ in "head-commit" }
        XCTAssertEqual(binaries?.commit, "496d18f00000")
    }

    func testAFolderNothingDescribesIsUnknown() throws {
        let root = try make(folder + "/project")
        let loose = try make(folder + "/loose-binaries")
        let binaries = ScenarioBinaries.of(binDirectory: loose, projectRoot: root) { _ in "never asked" }
        XCTAssertEqual(binaries, ScenarioBinaries(directory: loose, commit: nil))
        XCTAssertEqual(binaries?.description, "binaries from \(loose) (commit unknown)")
        let unknownCommit = ScenarioBinaries.of(
            binDirectory: try make(folder + "/no-git/.build/release"), projectRoot: root
        ) { _ in nil }
        XCTAssertNil(unknownCommit?.commit, "a package that is no git checkout")
    }
}
