import BenchSystem
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchSession

/// The one loader of the harness's JSON documents (``JSONDocument``): a missing file is 66 naming
/// the path, something there that cannot be read 74, bytes that are not the document 65 naming
/// it — each one line — and every caller keeps the lines its users and tests know.
final class JSONDocumentTests: ProcessFreeTestCase {
    struct Sample: Codable, Equatable {
        var formatVersion: Int
        var name: String
    }

    var folder = ""

    override func setUp() {
        super.setUp()
        folder = TestSupport.temporaryDirectory("json-document")
    }

    /// Writes `text` to `name` in the test's folder and returns its path.
    func file(_ name: String, _ text: String) -> String {
        let path = folder + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// The error `body` throws, as a BenchError (a failure when it throws nothing or another one).
    func refusal(_ body: () throws -> Any?, file: StaticString = #filePath, line: UInt = #line) -> BenchError? {
        do {
            let value = try body()
            XCTFail("loaded \(String(describing: value)); expected a refusal", file: file, line: line)
        } catch let error as BenchError {
            XCTAssertFalse(error.message.contains("\n"), "one line: \(error.message)", file: file, line: line)
            return error
        } catch {
            XCTFail("not a BenchError: \(error)", file: file, line: line)
        }
        return nil
    }

    func testAGoodDocumentLoads() throws {
        let path = file("good.json", #"{"formatVersion": 1, "name": "bounded-queue"}"#)
        XCTAssertEqual(
            try JSONDocument.load(Sample.self, from: path, what: "sample"),
            Sample(formatVersion: 1, name: "bounded-queue"))
        XCTAssertEqual(
            try JSONDocument.loadIfPresent(Sample.self, from: path, what: "sample")?.name, "bounded-queue")
    }

    func testAMissingFileIs66WithItsPath() {
        let path = folder + "/nope.json"
        let error = refusal { try JSONDocument.load(Sample.self, from: path, what: "sample") }
        XCTAssertEqual(error?.kind, .noInput)
        XCTAssertEqual(error?.message, "sample \(path) does not exist")
        let own = refusal { try JSONDocument.load(Sample.self, from: path, what: "sample", missing: "no sample here") }
        XCTAssertEqual(own, BenchError(.noInput, "no sample here"), "the caller's own line")
        XCTAssertNil(try JSONDocument.loadIfPresent(Sample.self, from: path, what: "sample"), "absent: nil, no error")
    }

    func testSomethingThereThatCannotBeReadIs74NotMissing() throws {
        // A folder where the file should be: "does not exist" would send the user after a typo.
        let path = folder + "/a-folder.json"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for load in [
            { try JSONDocument.load(Sample.self, from: path, what: "sample") },
            { try JSONDocument.loadIfPresent(Sample.self, from: path, what: "sample") },
        ] as [() throws -> Any?] {
            let error = refusal(load)
            XCTAssertEqual(error, BenchError(.io, "cannot read sample \(path)"))
        }
    }

    func testGarbageAndAWrongShapeAre65NamingTheDocument() {
        for (name, text) in [
            ("empty", ""), ("truncated", #"{"formatVersion": 1, "na"#), ("binary", "\u{1}\u{2}\u{3}"),
            ("array", "[1, 2]"), ("other-keys", #"{"formatVersion": 1, "title": "x"}"#),
            ("wrong-type", #"{"formatVersion": "one", "name": "x"}"#),
        ] {
            let path = file(name + ".json", text)
            let error = refusal { try JSONDocument.load(Sample.self, from: path, what: "sample") }
            XCTAssertEqual(error?.kind, .data, name)
            XCTAssertTrue(error?.message.hasPrefix("sample \(path) is not valid: ") == true, error?.message ?? name)
            let own = refusal {
                try JSONDocument.load(Sample.self, from: path, what: "sample") {
                    "\(path): \(JSONDocument.problem($0))"
                }
            }
            XCTAssertEqual(own?.kind, .data, name)
            XCTAssertTrue(own?.message.hasPrefix("\(path): ") == true, own?.message ?? name)
        }
    }

    func testTheProblemOfADecodingErrorIsAFewWordsOnOneLine() {
        func problem(_ text: String) -> String {
            do {
                _ = try JSONDecoder().decode(Sample.self, from: Data(text.utf8))
                return "decoded"
            } catch {
                return JSONDocument.problem(error)
            }
        }
        XCTAssertEqual(problem(#"{"formatVersion": 1}"#), "no 'name'")
        XCTAssertEqual(problem(#"{"formatVersion": "one", "name": "x"}"#), "'formatVersion' has the wrong type")
        XCTAssertFalse(problem("{").contains("\n"))
        XCTAssertNotEqual(problem("{"), "decoded")
    }

    func testTheFormatIsReadBeforeTheDocumentAndRefusedInOneWording() throws {
        let future = Data(#"{"formatVersion": 99, "renamed": true}"#.utf8)
        XCTAssertEqual(try JSONDocument.declaredFormat(in: future, invalid: "not JSON"), 99)
        XCTAssertNil(try JSONDocument.declaredFormat(in: Data("{}".utf8), invalid: "not JSON"))
        for garbage in ["", "{", "[1]"] {
            let error = refusal { try JSONDocument.declaredFormat(in: Data(garbage.utf8), invalid: "not JSON") }
            XCTAssertEqual(error, BenchError(.data, "not JSON"), garbage)
        }
        XCTAssertNoThrow(try JSONDocument.requireFormat(2, readable: [2, 3], of: "b.json"))
        XCTAssertNoThrow(try JSONDocument.requireFormat(3, readable: [2, 3], of: "b.json"))
        XCTAssertEqual(
            refusal {
                try JSONDocument.requireFormat(99, readable: [2, 3], of: "baseline b.json", hint: "make one")
                return nil
            },
            BenchError(.data, "baseline b.json has format version 99; this bpbench reads 2 and 3 (make one)"))
        XCTAssertEqual(
            refusal {
                try JSONDocument.requireFormat(nil, readable: [1], of: "t.json")
                return nil
            },
            BenchError(.data, "t.json has format version none; this bpbench reads 1"))
    }

    // MARK: The callers' own lines (users and tests read them; the loader must not change them)

    func testEachDocumentKeepsItsLinesAndExitCodes() throws {
        let garbage = file("garbage.json", "{ not json")
        let shape = file("shape.json", #"{"formatVersion": 1, "title": "not this document"}"#)
        let missing = folder + "/missing.json"
        let directory = folder + "/dir.json"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        func expect(
            _ load: (String) throws -> Any?, _ path: String, _ kind: BenchError.Kind, _ prefix: String,
            line: UInt = #line
        ) {
            let error = refusal({ try load(path) }, line: line)
            XCTAssertEqual(error?.kind, kind, error?.message ?? "", line: line)
            XCTAssertTrue(
                error?.message.hasPrefix(prefix) == true, "\(error?.message ?? "nil") ≠ \(prefix)…", line: line)
        }

        let plan: (String) throws -> Any? = { try PlanFile.load($0) }
        expect(plan, missing, .noInput, "plan file \(missing) does not exist")
        expect(plan, directory, .io, "cannot read plan file \(directory)")
        expect(plan, garbage, .data, "\(garbage) is not a valid plan file (bpbench plan writes them): ")
        expect(plan, shape, .data, "\(shape) is not a valid plan file (bpbench plan writes them): ")

        let thresholds: (String) throws -> Any? = { try Thresholds.load($0) }
        expect(thresholds, missing, .noInput, "thresholds file \(missing) does not exist")
        expect(thresholds, directory, .io, "cannot read thresholds file \(directory)")
        expect(thresholds, garbage, .data, "thresholds file \(garbage) is not valid JSON")
        expect(thresholds, shape, .data, "thresholds file \(shape) has format version 1; this bpbench reads 2")

        let baseline: (String) throws -> Any? = { try Baseline.load($0) }
        expect(baseline, missing, .noInput, "baseline \(missing) does not exist (create it with: make baseline)")
        expect(baseline, directory, .io, "cannot read baseline \(directory)")
        expect(baseline, file("empty.json", ""), .data, "baseline \(folder)/empty.json is empty")
        expect(baseline, garbage, .data, "baseline \(garbage) is not valid JSON (truncated or corrupt)")
        expect(
            baseline, shape, .data,
            "baseline \(shape) has format version 1; this bpbench reads 2 and 3 (regenerate it: make baseline)")
        let shapeV3 = file("shape3.json", #"{"formatVersion": 3, "title": "not a baseline"}"#)
        expect(baseline, shapeV3, .data, "baseline \(shapeV3) is not a bpbench baseline: ")

        let proof: (String) throws -> Any? = { try ProofSpec.load($0) }
        expect(proof, missing, .noInput, "proof file \(missing) does not exist")
        expect(proof, garbage, .data, "proof file \(garbage) is not valid: ")
        // Every key of a proof file is optional: only a non-object is the wrong shape.
        expect(proof, file("array.json", "[1, 2]"), .data, "proof file \(folder)/array.json is not valid: ")

        // Documents in a folder: the folder is what the user named.
        func inFolder(_ name: String, _ text: String? = nil) throws -> String {
            let directory = folder + "/holds-" + name
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if let text { FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(text.utf8)) }
            return directory
        }
        let stamp: (String) throws -> Any? = { try ShardStamp.load($0) }
        let empty = try inFolder("nothing")
        expect(stamp, empty, .noInput, "\(empty) is not a shard folder (no shard.json; shards are written by")
        let tornShard = try inFolder("shard.json", "{")
        XCTAssertEqual(ShardStamp.fileName, "shard.json")
        expect(stamp, tornShard, .data, "\(tornShard)/shard.json is corrupt: ")

        let check: (String) throws -> Any? = { try CheckRecord.load(from: $0) }
        XCTAssertNil(try CheckRecord.load(from: empty), "no check.json: judged nothing, not an error")
        let tornCheck = try inFolder("check.json", #"{"formatVersion": 1}"#)
        expect(check, tornCheck, .data, "\(tornCheck)/check.json is corrupt (not a check.json bpbench check wrote): ")

        let run: (String) throws -> Any? = { try RunFolder(existing: $0).load() }
        expect(run, empty, .noInput, "\(empty) is not a run folder (no run.json, no journal.jsonl)")
        let tornRun = try inFolder("run.json", "[]")
        expect(run, tornRun, .data, "\(tornRun)/run.json is not a valid run file: ")

        let identity = GateProofJournal.Identity(
            commit: "c", scenarioInputs: "s", proofFile: "p", baseline: "b", thresholds: "t", checks: 1, scenarios: [],
            cpus: "0", fixedRepeats: false, host: "h")
        let resume: (String) throws -> Any? = { try GateProofJournal.resume(directory: $0, identity: identity) }
        expect(resume, empty, .noInput, "--resume \(empty): no gate proof to resume there (no proof-state.json;")
        let tornProof = try inFolder("proof-state.json", #"{"formatVersion": 1}"#)
        expect(resume, tornProof, .data, "--resume \(tornProof): proof-state.json is unreadable: no '")
    }
}
