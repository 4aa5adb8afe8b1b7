import BenchProtocol
import BenchSystem
import Foundation

/// How the harness reads a JSON document it is handed or left behind — run.json, baseline.json,
/// thresholds.json, plan files, shard stamps, check.json, proof files, proof-state.json, scenario
/// manifests — so that every one of them refuses the same way, with one line and a sysexits code:
///
/// - 66 (EX_NOINPUT) when there is no file at the path;
/// - 74 (EX_IOERR) when there is something that cannot be read (a folder, a file without read
///   permission) — not "does not exist", which would send the user looking for a typo;
/// - 65 (EX_DATAERR) when the bytes do not decode as the document.
///
/// The lines name the document (`what`: "plan file", "baseline", …) and its path. A caller whose
/// users and tests know other words passes its own `missing` and `invalid` lines. What a caller
/// checks once the document has decoded — its format version (``requireFormat(_:readable:of:hint:)``
/// words the usual refusal), a digest, an identity — stays with the caller; a document of an
/// older format that still loads is decoded by its own type (the single-run format 2 of a
/// baseline, in `Baseline`'s `init(from:)`).
public enum JSONDocument {
    /// The document at `path`, decoded as `type`: 66 with `missing` (default "WHAT PATH does not
    /// exist") when there is no file, 74 when it cannot be read, 65 with `invalid(error)` (default
    /// "WHAT PATH is not valid: REASON") when it does not decode.
    public static func load<Value: Decodable>(
        _ type: Value.Type, from path: String, what: String, decoder: JSONDecoder = JSONLineCoding.decoder,
        missing: String? = nil, invalid: ((any Error) -> String)? = nil
    ) throws(BenchError) -> Value {
        let data = try contents(of: path, what: what, missing: missing)
        return try decode(type, from: data, decoder: decoder, invalid: invalid ?? Self.invalid(what, path))
    }

    /// As ``load(_:from:what:decoder:missing:invalid:)``, but nil when there is no file at `path`:
    /// for a document whose absence means something (a run folder without check.json judged
    /// nothing; one without run.json is recovered from its journal).
    public static func loadIfPresent<Value: Decodable>(
        _ type: Value.Type, from path: String, what: String, decoder: JSONDecoder = JSONLineCoding.decoder,
        invalid: ((any Error) -> String)? = nil
    ) throws(BenchError) -> Value? {
        guard let data = try contentsIfPresent(of: path, what: what) else { return nil }
        return try decode(type, from: data, decoder: decoder, invalid: invalid ?? Self.invalid(what, path))
    }

    /// The bytes at `path`: 66 with `missing` (default "WHAT PATH does not exist") when there is
    /// no file, 74 when there is one that cannot be read.
    public static func contents(of path: String, what: String, missing: String? = nil) throws(BenchError) -> Data {
        guard let data = try contentsIfPresent(of: path, what: what) else {
            throw BenchError(.noInput, missing ?? "\(what) \(path) does not exist")
        }
        return data
    }

    /// The bytes at `path`, nil when there is no file there; 74 when there is one that cannot be
    /// read.
    public static func contentsIfPresent(of path: String, what: String) throws(BenchError) -> Data? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        // A folder is asked first: whether reading one fails or yields no bytes is Foundation's
        // choice, and no bytes would read as an empty document.
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw BenchError(.io, "cannot read \(what) \(path)")
        }
        return data
    }

    /// `data` decoded as `type`, or 65 with `invalid(error)`.
    public static func decode<Value: Decodable>(
        _ type: Value.Type, from data: Data, decoder: JSONDecoder = JSONLineCoding.decoder,
        invalid: (any Error) -> String
    ) throws(BenchError) -> Value {
        do {
            return try decoder.decode(type, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation's JSONDecoder says only "The given data was not valid JSON", never where:
            // JSONSerialization's parser names the place, which is what a hand-edited file needs.
            // JSON it parses but cannot decode is a value that fits no Swift type of its field (1.5
            // for an Int), reported with no coding path.
            let reason =
                syntaxProblem(in: data)
                ?? "a value does not fit its field (Foundation does not say which; e.g. 1.5 where a whole number belongs)"
            throw BenchError(
                .data,
                invalid(
                    DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: reason, underlyingError: nil))))
        } catch {
            throw BenchError(.data, invalid(error))
        }
    }

    /// The `formatVersion` a document declares (nil when it declares none), read before the
    /// document itself: a document of another format may not decode as this one at all, and
    /// "has format version 99" tells the user more than the key the decoder missed. 65 with
    /// `invalid(error)` when the bytes are not a JSON object.
    public static func declaredFormat(in data: Data, invalid: (any Error) -> String) throws(BenchError) -> Int? {
        try decode(DeclaredFormat.self, from: data, invalid: invalid).formatVersion
    }

    /// Refuses (65) a document whose format is not one of `readable`, in the words every
    /// versioned document uses: "SUBJECT has format version N; this bpbench reads 2 and 3 (HINT)".
    public static func requireFormat(
        _ found: Int?, readable: [Int], of subject: String, hint: String? = nil
    ) throws(BenchError) {
        if let found, readable.contains(found) { return }
        let versions = readable.map(String.init).joined(separator: " and ")
        throw BenchError(
            .data,
            "\(subject) has format version \(found.map(String.init) ?? "none"); this bpbench reads \(versions)"
                + (hint.map { " (\($0))" } ?? ""))
    }

    /// What is wrong with a document, in a few words on one line, for the end of a refusal:
    /// `"name" is missing`, `at steps[0].kind: expected a string, found number`, `not JSON: invalid
    /// value at line 3, column 7`. Foundation's `localizedDescription` of the same errors is "The
    /// operation could not be completed. The data isn't in the correct format." — true of every
    /// bad file alike — and its `description` spans lines and names its internal types.
    public static func problem(_ error: any Error) -> String {
        let text: String
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            text = place(context.codingPath) + "\"\(key.stringValue)\" is missing"
        case DecodingError.typeMismatch(let type, let context):
            text = place(context.codingPath) + "expected \(kind(type))" + found(context.debugDescription)
        case DecodingError.valueNotFound(let type, let context):
            text = place(context.codingPath) + "expected \(kind(type)), found null"
        case DecodingError.dataCorrupted(let context):
            text = place(context.codingPath) + sentence(context.debugDescription)
        case let error as BenchError:
            text = error.message
        default:
            text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
        return text.split(separator: "\n").first.map(String.init) ?? "unreadable"
    }

    /// What keeps `data` from being JSON at all — "the file is empty", "not JSON: invalid value at
    /// line 3, column 7", "not JSON: it ends early (truncated?)" — or nil when it is JSON.
    public static func syntaxProblem(in data: Data) -> String? {
        if data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return "the file is empty" }
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            let said = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            if said.hasPrefix("Unexpected end of file") { return "not JSON: it ends early (truncated?)" }
            // "Invalid value around character 41." — an offset in bytes from the start.
            guard let range = said.range(of: #" around character (\d+)"#, options: .regularExpression),
                let offset = Int(said[range].split(separator: " ").last ?? "")
            else { return "not JSON: " + sentence(said) }
            let before = data.prefix(offset)
            let line = before.filter { $0 == 0x0A }.count + 1
            let column = offset - (before.lastIndex(of: 0x0A).map { $0 - data.startIndex + 1 } ?? 0) + 1
            return "not JSON: " + sentence(String(said[..<range.lowerBound])) + " at line \(line), column \(column)"
        }
    }

    /// "at steps[0].kind: ", or nothing for the document itself.
    private static func place(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "" : "at \(text): "
    }

    /// A Swift type as the JSON a user would write for it.
    private static func kind(_ type: Any.Type) -> String {
        let name = "\(type)"
        if name.hasPrefix("Dictionary") { return "an object" }
        if name.hasPrefix("Array") { return "an array" }
        if name == "String" { return "a string" }
        if name == "Bool" { return "true or false" }
        if name.hasPrefix("Int") || name.hasPrefix("UInt") { return "a whole number" }
        if name == "Double" || name == "Float" { return "a number" }
        return name
    }

    /// ", found an array" from Foundation's "Expected to decode … but found an array instead.".
    private static func found(_ debugDescription: String) -> String {
        guard let start = debugDescription.range(of: "but found "),
            let end = debugDescription.range(of: " instead", range: start.upperBound..<debugDescription.endIndex)
        else { return "" }
        return ", found " + debugDescription[start.upperBound..<end.lowerBound]
    }

    /// Foundation's sentence as a clause: "The given data was not valid JSON." → "not JSON".
    private static func sentence(_ text: String) -> String {
        if text == "The given data was not valid JSON." { return "not JSON" }
        var clause = text.trimmingCharacters(in: .whitespaces)
        if clause.hasSuffix(".") { clause.removeLast() }
        guard let first = clause.first, first.isUppercase, !(clause.dropFirst().first?.isUppercase ?? false) else {
            return clause
        }
        return first.lowercased() + clause.dropFirst()
    }

    /// The usual 65 line: "WHAT PATH is not valid: PROBLEM".
    public static func invalid(_ what: String, _ path: String) -> (any Error) -> String {
        { "\(what) \(path) is not valid: \(problem($0))" }
    }

    /// Only the `formatVersion` key of a document.
    private struct DeclaredFormat: Decodable {
        var formatVersion: Int?
    }
}
