import BenchCore
import BenchModel
import BenchProtocol
import BenchReport
import Foundation
import XCTest

/// A same-job A/B on real children, as `check --against` runs one: a fixture's plan with one
/// parameter set differently on each side — the head's value declared injected, standing for the
/// code change the test makes — both sides interleaved repeat by repeat, each with its own build
/// cache under the scratch folder. Then written as a check folder (head, base under `base/`) for
/// `bpbench check --run`.
public struct InterleavedFixtureAB {
    public let headPlan: RunPlan
    public let basePlan: RunPlan
    /// Each side's document: its plan's settings before ``execute(rule:file:line:)``, its
    /// records after.
    public var head: RunDocument
    public var base: RunDocument
    public let scratch: String

    /// `fixture` with `settings` (`key=value` overrides) on both sides and `parameter` set to
    /// `head` on the head side, `base` on the base side; `repeats` each (up to `maxRepeats` when
    /// an adaptive rule extends them), no warm-up.
    public init(
        fixture: String, parameter: String, head: String, base: String, settings: [String], repeats: Int,
        maxRepeats: Int? = nil, scales: [Double], scratch: String
    ) throws {
        let entry = try TestSupport.entry(fixture)
        func plan(_ value: String) throws -> RunPlan {
            try RunPlan(
                entries: [entry], profile: .quick, repeats: repeats, maxRepeats: maxRepeats, warmups: 0,
                scales: scales, overrides: settings + ["\(parameter)=\(value)"])
        }
        headPlan = try plan(head)
        basePlan = try plan(base)
        self.head = RunDocument(
            plan: headPlan, entries: [entry], limits: ChildLimits(), projectRoot: TestSupport.projectRoot)
        self.head.injected = [fixture: [parameter]]
        self.base = RunDocument(
            plan: basePlan, entries: [entry], limits: ChildLimits(), projectRoot: TestSupport.projectRoot)
        self.scratch = scratch
    }

    /// Runs both sides interleaved (extended by `rule` when given, as the gate's adaptive rule
    /// extends a check) and fails the calling test unless every repeat of both ran ok.
    public mutating func execute(
        rule: (any RepeatRule)? = nil, file: StaticString = #filePath, line: UInt = #line
    ) {
        let scratch = scratch
        let runner = { (name: String) in
            BenchRunner(
                catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: scratch + "/cache-" + name,
                interruption: nil)
        }
        InterleavedRunner(
            head: .init(name: "head", executor: runner("head"), plan: headPlan, logDirectory: scratch),
            base: .init(name: "base", executor: runner("base"), plan: basePlan, logDirectory: scratch),
            interruption: nil
        )
        .execute(head: &head, base: &base, rule: rule) { _ in }
        let records = head.records + base.records
        XCTAssertTrue(records.allSatisfy { $0.status == .ok }, "\(records.map(\.statusDetail))", file: file, line: line)
    }

    /// Writes `head` to `directory` and `base` (when given) to its `base/`, as `check --against`
    /// leaves them for `bpbench check --run`; returns `directory`.
    public static func writeCheckFolder(head: RunDocument, base: RunDocument?, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try RunWriter.write(RunAnalysis(head), to: directory)
        if let base {
            try FileManager.default.createDirectory(atPath: directory + "/base", withIntermediateDirectories: true)
            try RunWriter.write(RunAnalysis(base), to: directory + "/base")
        }
        return directory
    }
}
