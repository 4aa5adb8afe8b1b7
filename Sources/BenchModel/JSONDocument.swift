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
        } catch {
            throw BenchError(.data, invalid(error))
        }
    }

    /// The `formatVersion` a document declares (nil when it declares none), read before the
    /// document itself: a document of another format may not decode as this one at all, and
    /// "has format version 99" tells the user more than the key the decoder missed. 65 with
    /// `invalid` when the bytes are not a JSON object.
    public static func declaredFormat(in data: Data, invalid: String) throws(BenchError) -> Int? {
        try decode(DeclaredFormat.self, from: data) { _ in invalid }.formatVersion
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

    /// A decoding error in a few words, on one line (Foundation's description of a DecodingError
    /// spans lines and names its internal types).
    public static func problem(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        default: return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    /// The usual 65 line: "WHAT PATH is not valid: REASON".
    public static func invalid(_ what: String, _ path: String) -> (any Error) -> String {
        { "\(what) \(path) is not valid: \($0.localizedDescription)" }
    }

    /// Only the `formatVersion` key of a document.
    private struct DeclaredFormat: Decodable {
        var formatVersion: Int?
    }
}
