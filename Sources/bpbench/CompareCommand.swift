import ArgumentParser
import BenchModel
import BenchProtocol
import BenchReport
import BenchSystem
import Foundation

/// `bpbench compare A B`: two run folders' shared rows side by side (``RunComparison``), written
/// as compare.md and compare.html into `--out`, by default `B/compare-vs-<A's folder name>/` —
/// beside the later run, named after the earlier, so comparing B with several As keeps each.
///
/// For people, not CI: the exit code is 0 whatever the figures say; only bad input fails (66: a
/// folder missing or not a run; 65: a run.json that cannot be read, runs from different machines
/// without --force, no row in common; 73: the output cannot be written). Nothing is written until
/// both pages are rendered.
struct CompareRunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract:
            "Compare two run folders: shared rows' medians side by side, B/A with its 90 % interval and a Mann–Whitney p (compare.md, compare.html).",
        discussion:
            "Refuses runs measured on different machines (host, CPU, cores, RAM) unless --force. Exit 0 whatever the figures; 65/66/73 for bad input."
    )

    @OptionGroup var project: ProjectOptions

    @Argument(help: "The earlier run folder (A), or latest.")
    var runA: String

    @Argument(help: "The later run folder (B), or latest.")
    var runB: String

    @Option(help: "Where to write compare.md and compare.html (default: B/compare-vs-<A's folder name>).")
    var out: String?

    @Flag(help: "Compare runs measured on different machines anyway (the pages say so at the top).")
    var force = false

    func run() throws {
        try reportingErrors {
            let directoryA = try resolveRunDirectory(runA, project: project)
            let directoryB = try resolveRunDirectory(runB, project: project)
            let a = RunAnalysis(try RunFolder(existing: directoryA).load())
            let b = RunAnalysis(try RunFolder(existing: directoryB).load())
            let comparison = try RunComparison(a, b, nameA: runA, nameB: runB, force: force)
            // Both pages rendered before anything is created, so a failure leaves no half output.
            let markdown = comparison.markdown()
            let html = comparison.html()
            // Named after A's real folder: `latest` is a link whose target changes.
            let nameA = ((directoryA as NSString).resolvingSymlinksInPath as NSString).lastPathComponent
            let output = out ?? directoryB + "/compare-vs-" + nameA
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            } catch {
                throw BenchError(.cannotCreate, "cannot create \(output): \(error.localizedDescription)")
            }
            try AtomicFile.write(markdown, to: output + "/compare.md")
            try AtomicFile.write(html, to: output + "/compare.html")
            if !comparison.hostDifferences.isEmpty {
                print(
                    "warning: different machines (\(comparison.hostDifferences.joined(separator: "; "))); compared because of --force"
                )
            }
            print(comparison.oneLine)
            print("wrote \(output)/compare.md and compare.html")
        }
    }
}
