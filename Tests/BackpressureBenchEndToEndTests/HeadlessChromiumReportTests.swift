import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

/// report.html of a real run in a real browser (headless Chromium driven by
/// Tests/browser/check-report.py), and the same check failing on a broken page. The page's markup
/// is tested without a browser in HTMLReportTests.
final class HeadlessChromiumReportTests: ChildProcessTestCase {
    /// A real run's report.html in headless Chromium: no console errors, every row present, sorting
    /// and one expansion work, screenshots taken (.build/browser-check/). Skipped only where
    /// Chromium (Debian's `chromium`) or python3 is missing.
    func testReportWorksInHeadlessChromium() throws {
        guard let chromium = Self.which("chromium") ?? Self.which("chromium-browser") ?? Self.which("google-chrome")
        else {
            throw XCTSkip(
                "chromium is not installed (apt-get install chromium; make deps and .ci/run install it): the browser check needs it"
            )
        }
        guard let python = Self.which("python3") else {
            throw XCTSkip("python3 is not installed: the browser check's driver needs it")
        }
        let scratch = TestSupport.temporaryDirectory("html-browser")
        let run = scratch + "/run"
        let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]
        let outcome = try TestSupport.bpbench(
            ["run"] + project + [
                "--scenario", "bounded-queue", "--scenario", "pipeline-copy", "--profile", "quick",
                "--scale", "1,2", "--repeat", "2", "--warmup", "0", "--quiet", "--out", run,
            ])
        XCTAssertTrue([0, 3].contains(outcome.status), "bpbench run: \(outcome.error)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/report.html"), "the run wrote report.html")

        let shots = TestSupport.projectRoot + "/.build/browser-check"
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let screenshot = shots + "/report.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let check = try TestSupport.execute(
            python, [Self.script, run, "--screenshot", screenshot, "--chromium", chromium])
        XCTAssertEqual(check.status, 0, "browser check failed:\n\(check.error)\n\(check.output)")
        for file in [screenshot, shots + "/report-expanded.png"] {
            let png = try Data(contentsOf: URL(fileURLWithPath: file))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(file) is a PNG")
            XCTAssertGreaterThan(png.count, 10_000, "\(file) shows a page, not a blank")
        }

        // The check can fail: the same page with a script that throws is caught.
        let broken = scratch + "/broken"
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
        for file in ["run.json", "report.html"] {
            try FileManager.default.copyItem(atPath: run + "/" + file, toPath: broken + "/" + file)
        }
        let page = try String(contentsOfFile: broken + "/report.html", encoding: .utf8)
        try page.replacingOccurrences(of: "\"use strict\";", with: "\"use strict\"; throw new Error(\"broken page\");")
            .write(toFile: broken + "/report.html", atomically: true, encoding: .utf8)
        let failed = try TestSupport.execute(python, [Self.script, broken, "--chromium", chromium])
        XCTAssertEqual(failed.status, 1, failed.error)
        XCTAssertTrue(failed.error.contains("uncaught exception") && failed.error.contains("broken page"), failed.error)
        XCTAssertTrue(failed.error.contains("did not sort"), failed.error)
    }

    static let script = TestSupport.projectRoot + "/Tests/browser/check-report.py"

    static func which(_ program: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
