/// How a command ends when its work was done but the result is not plain success: the lines it
/// says on stderr, in order, and its exit code. A ``BenchError`` is the other way out (one line,
/// thrown before anything is finished); an ending comes after everything was written, so the
/// lower modules return it and the CLI only says it and exits with it.
public struct CommandEnding: Equatable, Sendable {
    /// The exit code (`bpbench run`'s 3 for rows not ok, 130 interrupted, `merge`'s 3 partial …).
    public var code: Int32
    /// Each a whole stderr line without its newline, e.g. `bpbench: interrupted; …`.
    public var lines: [String]

    public init(code: Int32, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// One stderr line and its code.
    public init(code: Int32, line: String) {
        self.init(code: code, lines: [line])
    }

    /// The line a ``BenchError`` prints (`bpbench: error: …`), for an error found only after the
    /// results were written (a merged check that judged nothing): the same words, its exit code.
    public init(after error: BenchError) {
        self.init(code: error.exitCode, line: "bpbench: error: \(error.message)")
    }
}
