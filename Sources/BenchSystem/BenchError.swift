/// A failure of the harness itself (not of a scenario), with the sysexits-style exit code the
/// CLI returns for it. Its description is the one line the user sees.
public struct BenchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        /// Bad command line: unknown scenario, option, profile or parameter (EX_USAGE).
        case usage = 64
        /// Input that exists but is wrong: corrupt baseline, bad thresholds (EX_DATAERR).
        case data = 65
        /// Input that does not exist: missing baseline, run folder, binary (EX_NOINPUT).
        case noInput = 66
        /// A program the input names that this machine does not have (EX_UNAVAILABLE).
        case unavailable = 69
        /// The harness's own bug or an impossible state (EX_SOFTWARE).
        case software = 70
        /// An output that cannot be created (EX_CANTCREAT).
        case cannotCreate = 73
        /// A read or write that failed midway (EX_IOERR).
        case io = 74
        /// A package set up for nothing the harness can do: `--package-path` with no scenario
        /// folder (EX_CONFIG).
        case config = 78
        /// Ctrl-C or SIGTERM reached the harness.
        case interrupted = 130
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var exitCode: Int32 { kind.rawValue }
    public var description: String { message }
}
