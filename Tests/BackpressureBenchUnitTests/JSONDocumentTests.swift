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

    /// Each bad file says what is wrong with it, and where — not Foundation's "The operation
    /// could not be completed. The data isn't in the correct format.", the same for every one.
    func testGarbageAndAWrongShapeAre65NamingTheDocumentAndWhatIsWrong() {
        for (name, text, problem) in [
            ("empty", "", "the file is empty"), ("blank", " \n", "the file is empty"),
            ("truncated", #"{"formatVersion": 1, "na"#, "not JSON: it ends early (truncated?)"),
            ("binary", "\u{1}\u{2}\u{3}", "not JSON: invalid value at line 1, column 1"),
            ("garbage", "{ not json", "not JSON: invalid value at line 1, column 3"),
            ("array", "[1, 2]", "expected an object, found an array"),
            ("other-keys", #"{"formatVersion": 1, "title": "x"}"#, #""name" is missing"#),
            (
                "wrong-type", #"{"formatVersion": "one", "name": "x"}"#,
                "at formatVersion: expected a whole number, found a string"
            ),
            ("null", #"{"formatVersion": 1, "name": null}"#, "at name: expected a string, found null"),
        ] {
            let path = file(name + ".json", text)
            let error = refusal { try JSONDocument.load(Sample.self, from: path, what: "sample") }
            XCTAssertEqual(error, BenchError(.data, "sample \(path) is not valid: \(problem)"), name)
            let own = refusal {
                try JSONDocument.load(Sample.self, from: path, what: "sample") {
                    "\(path): \(JSONDocument.problem($0))"
                }
            }
            XCTAssertEqual(own, BenchError(.data, "\(path): \(problem)"), name)
        }
    }

    /// A hand-edited file is told where its JSON breaks: line and column, counted from 1.
    func testASyntaxErrorIsPlacedByLineAndColumn() {
        XCTAssertNil(JSONDocument.syntaxProblem(in: Data(#"{"a": [1, 2]}"#.utf8)))
        XCTAssertEqual(
            JSONDocument.syntaxProblem(in: Data("{\n  \"a\": 1,\n  x\n}".utf8)),
            "not JSON: invalid value at line 3, column 3")
        XCTAssertEqual(JSONDocument.syntaxProblem(in: Data()), "the file is empty")
        // A value JSON allows but the field's type does not fit: Foundation names no field.
        let path = file("fraction.json", #"{"formatVersion": 1.5, "name": "x"}"#)
        let error = refusal { try JSONDocument.load(Sample.self, from: path, what: "sample") }
        XCTAssertEqual(error?.kind, .data)
        XCTAssertTrue(error?.message.contains("a value does not fit its field") == true, error?.message ?? "")
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
        XCTAssertEqual(problem(#"{"formatVersion": 1}"#), #""name" is missing"#)
        XCTAssertEqual(
            problem(#"{"formatVersion": "one", "name": "x"}"#),
            "at formatVersion: expected a whole number, found a string")
        XCTAssertEqual(problem("[]"), "expected an object, found an array")
        // Without the bytes (a caller's own decoder) the place is unknown, but never a paragraph.
        XCTAssertEqual(problem("{"), "not JSON")
        struct Nested: Decodable { var steps: [Sample] }
        do {
            _ = try JSONDecoder().decode(Nested.self, from: Data(#"{"steps": [{"formatVersion": 1}]}"#.utf8))
            XCTFail("decoded")
        } catch {
            XCTAssertEqual(JSONDocument.problem(error), #"at steps[0]: "name" is missing"#)
        }
        XCTAssertEqual(JSONDocument.problem(BenchError(.data, "one line")), "one line")
    }

    func testTheFormatIsReadBeforeTheDocumentAndRefusedInOneWording() throws {
        let future = Data(#"{"formatVersion": 99, "renamed": true}"#.utf8)
        XCTAssertEqual(try JSONDocument.declaredFormat(in: future) { _ in "not JSON" }, 99)
        XCTAssertNil(try JSONDocument.declaredFormat(in: Data("{}".utf8)) { _ in "not JSON" })
        for (garbage, problem) in [
            ("", "the file is empty"), ("{", "not JSON: it ends early (truncated?)"),
            ("[1]", "expected an object, found an array"),
        ] {
            let error = refusal {
                try JSONDocument.declaredFormat(in: Data(garbage.utf8)) { "bad: \(JSONDocument.problem($0))" }
            }
            XCTAssertEqual(error, BenchError(.data, "bad: \(problem)"), garbage)
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
        let notJSON = "not JSON: invalid value at line 1, column 3"
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
            XCTAssertFalse(
                error?.message.contains("could not be completed") ?? false,
                "Foundation's words: \(error?.message ?? "")",
                line: line)
        }

        let plan: (String) throws -> Any? = { try PlanFile.load($0) }
        expect(plan, missing, .noInput, "plan file \(missing) does not exist")
        expect(plan, directory, .io, "cannot read plan file \(directory)")
        expect(plan, garbage, .data, "\(garbage) is not a valid plan file (bpbench plan writes them): \(notJSON)")
        expect(
            plan, shape, .data, "\(shape) is not a valid plan file (bpbench plan writes them): \"planID\" is missing")

        let thresholds: (String) throws -> Any? = { try Thresholds.load($0) }
        expect(thresholds, missing, .noInput, "thresholds file \(missing) does not exist")
        expect(thresholds, directory, .io, "cannot read thresholds file \(directory)")
        expect(thresholds, garbage, .data, "thresholds file \(garbage) is not valid: \(notJSON)")
        expect(thresholds, shape, .data, "thresholds file \(shape) has format version 1; this bpbench reads 2")

        let baseline: (String) throws -> Any? = { try Baseline.load($0) }
        expect(baseline, missing, .noInput, "baseline \(missing) does not exist (create it with: make baseline)")
        expect(baseline, directory, .io, "cannot read baseline \(directory)")
        expect(baseline, file("empty.json", ""), .data, "baseline \(folder)/empty.json is empty")
        expect(baseline, garbage, .data, "baseline \(garbage) is not a bpbench baseline: \(notJSON)")
        expect(
            baseline, file("array.json", "[1, 2]"), .data,
            "baseline \(folder)/array.json is not a bpbench baseline: expected an object, found an array")
        expect(
            baseline, shape, .data,
            "baseline \(shape) has format version 1; this bpbench reads 2 and 3 (regenerate it: make baseline)")
        let shapeV3 = file("shape3.json", #"{"formatVersion": 3, "title": "not a baseline"}"#)
        expect(baseline, shapeV3, .data, "baseline \(shapeV3) is not a bpbench baseline: \"createdAt\" is missing")

        let proof: (String) throws -> Any? = { try ProofSpec.load($0) }
        expect(proof, missing, .noInput, "proof file \(missing) does not exist")
        expect(proof, garbage, .data, "proof file \(garbage) is not valid: \(notJSON)")
        // Every key of a proof file is optional: only a non-object is the wrong shape.
        expect(
            proof, folder + "/array.json", .data,
            "proof file \(folder)/array.json is not valid: expected an object, found an array")

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
        expect(stamp, tornShard, .data, "\(tornShard)/shard.json is corrupt: not JSON: it ends early (truncated?)")

        let check: (String) throws -> Any? = { try CheckRecord.load(from: $0) }
        XCTAssertNil(try CheckRecord.load(from: empty), "no check.json: judged nothing, not an error")
        let tornCheck = try inFolder("check.json", #"{"formatVersion": 1}"#)
        expect(
            check, tornCheck, .data,
            "\(tornCheck)/check.json is corrupt (not a check.json bpbench check wrote): \"verdict\" is missing")

        let run: (String) throws -> Any? = { try RunFolder(existing: $0).load() }
        expect(run, empty, .noInput, "\(empty) is not a run folder (no run.json, no journal.jsonl)")
        let tornRun = try inFolder("run.json", "[]")
        expect(run, tornRun, .data, "\(tornRun)/run.json is not a valid run file: expected an object, found an array")

        let identity = GateProofJournal.Identity(
            commit: "c", scenarioInputs: "s", proofFile: "p", baseline: "b", thresholds: "t", checks: 1, scenarios: [],
            cpus: "0", fixedRepeats: false, host: "h")
        let resume: (String) throws -> Any? = { try GateProofJournal.resume(directory: $0, identity: identity) }
        expect(resume, empty, .noInput, "--resume \(empty): no gate proof to resume there (no proof-state.json;")
        let tornProof = try inFolder("proof-state.json", #"{"formatVersion": 1}"#)
        expect(
            resume, tornProof, .data, "--resume \(tornProof): proof-state.json is unreadable: \"identity\" is missing")
    }
}
