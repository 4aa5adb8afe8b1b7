import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport

/// The cross-language table compares only rows with the same socket buffer policy, says each
/// row's policy, and names each runtime's allocated figure (synthetic runs, both ways).
final class LanguageComparisonPolicyTests: ProcessFreeTestCase {
    private func analysis(swiftBuffer: String, nodeBuffer: String?) -> RunAnalysis {
        var document = Synthetic.document()
        let mib = 1 << 20
        document.records = []
        for scale in [1.0, 4.0] {
            for repeatIndex in 1...3 {
                var swift = Synthetic.record(
                    "pipeline-copy", scale: scale, repeatIndex: repeatIndex, peakRss: 30 * mib, allocated: 2 * mib,
                    bytes: Int(scale) * 24 * mib, throughput: 16.0 * Double(mib))
                swift.parameters["socket_buffer"] = swiftBuffer
                var node = Synthetic.record(
                    "node-pipeline", scale: scale, repeatIndex: repeatIndex, peakRss: 90 * mib, allocated: 4 * mib,
                    bytes: Int(scale) * 24 * mib, throughput: 8.0 * Double(mib))
                node.parameters["socket_buffer"] = nodeBuffer
                node.hello = HelloMessage(
                    scenario: "node-pipeline", pid: 1, jemallocVersion: nil, mallocConf: nil, sampleIntervalMs: 1,
                    runtime: "node v20",
                    allocator: "v8: allocated = live heap after forced GC (…)")
                document.records += [swift, node]
            }
        }
        document.rowTraits = [
            "pipeline-copy": RowTraits(language: "swift", pattern: "pipeline", variant: nil),
            "node-pipeline": RowTraits(language: "node", pattern: "pipeline", variant: nil),
        ]
        return RunAnalysis(document)
    }

    func testRatiosOnlyBetweenRowsWithTheSameSocketBuffers() throws {
        let same = analysis(swiftBuffer: "256KiB", nodeBuffer: "256KiB")
        let group = try XCTUnwrap(LanguageComparison.groups(same).first)
        let node = try XCTUnwrap(group.entries.first { $0.language == "node" })
        XCTAssertEqual(node.socketPolicy, "256KiB fixed")
        XCTAssertEqual(try XCTUnwrap(group.ratio(node, \.throughputBytesPerS)), 0.5, accuracy: 0.001)
        let report = try MarkdownExporter().render(same)
        XCTAssertTrue(report.contains("| pipeline ×4 | `node-pipeline` | node | 256KiB fixed |"), report)
        XCTAssertTrue(report.contains("node — v8: allocated = live heap after forced GC"), report)
        XCTAssertFalse(report.contains("not the same work (socket buffers)"), report)

        // The other way: Node autotuned (socket_buffer=0) against Swift's 256 KiB.
        let differ = analysis(swiftBuffer: "256KiB", nodeBuffer: "0")
        let differGroup = try XCTUnwrap(LanguageComparison.groups(differ).first)
        let autotuned = try XCTUnwrap(differGroup.entries.first { $0.language == "node" })
        XCTAssertEqual(autotuned.socketPolicy, "kernel autotuning")
        XCTAssertNil(differGroup.ratio(autotuned, \.throughputBytesPerS))
        XCTAssertTrue(try MarkdownExporter().render(differ).contains("| node | kernel autotuning |"))
        XCTAssertTrue(try MarkdownExporter().render(differ).contains("not the same work (socket buffers)"))
        // socket_buffer=0 on both sides is the same policy again (both autotune).
        let bothAuto = analysis(swiftBuffer: "0", nodeBuffer: "0")
        let bothGroup = try XCTUnwrap(LanguageComparison.groups(bothAuto).first)
        XCTAssertNotNil(
            bothGroup.ratio(try XCTUnwrap(bothGroup.entries.first { $0.language == "node" }), \.throughputBytesPerS))
        // A row without the parameter has no socket to describe (gzip-guide writes a file), and
        // is not the same work as one that fixes its buffers.
        let noSocket = analysis(swiftBuffer: "256KiB", nodeBuffer: nil)
        let noSocketGroup = try XCTUnwrap(LanguageComparison.groups(noSocket).first)
        let bare = try XCTUnwrap(noSocketGroup.entries.first { $0.language == "node" })
        XCTAssertEqual(bare.socketPolicy, "—")
        XCTAssertNil(noSocketGroup.ratio(bare, \.throughputBytesPerS))
    }
}
