@_exported import BenchProtocol

/// A backpressure strategy the harness can run and measure in a child process.
///
/// A scenario is a folder under `Scenarios/` with one `@main` type conforming to this protocol.
/// The harness discovers the folder, builds it as an executable linked with jemalloc, and runs it
/// with validated parameters. Everything else (sampling jemalloc, streaming the timeline to the
/// parent, timing, the result line) is done for you.
///
/// ```swift
/// import ScenarioKit
///
/// @main
/// struct CopyInMemory: Scenario {
///     static let items = Param<Int>.items(quick: "2000")
///     static let itemBytes = Param<Int>.itemBytes()
///     static let buffered = GaugeName("buffered_items")
///
///     static let definition = ScenarioDescription(
///         name: "copy-in-memory", summary: "Copies items through an array (example)",
///         parameters: [items, itemBytes], scale: items, gauges: [buffered])
///
///     static func run(_ context: ScenarioContext) async throws -> VerificationReport {
///         let count = context[items], size = context[itemBytes]  // typed; a misspelt handle does not compile
///         var verifier = StreamVerifier(itemBytes: size)
///         let level = context[buffered]
///         for sequence in 0..<count {
///             let item = ItemCodec.makeItem(sequence: UInt64(sequence), itemBytes: size)
///             level.add(1)
///             item.withUnsafeBytes { verifier.consume($0) }
///             level.add(-1)
///             context.addProgress(items: 1, bytes: size)
///         }
///         return verifier.report(expectedItems: count)
///     }
/// }
/// ```
public protocol Scenario {
    /// Name, one-line summary, seeds and typed parameters (with per-profile defaults).
    static var definition: ScenarioDescription { get }

    /// Untimed set-up, e.g. generating an input file into the cache. Memory still counts.
    static func prepare(_ context: ScenarioContext) async throws

    /// The timed run. Move the data, record progress, and return what the consumer verified;
    /// a report with problems turns the run's status into `failed-verification`.
    static func run(_ context: ScenarioContext) async throws -> VerificationReport
}

extension Scenario {
    public static func prepare(_ context: ScenarioContext) async throws {}

    /// Entry point used by `@main`: parses the child's command line, runs, reports, exits.
    public static func main() async {
        await ScenarioMain.run(Self.self)
    }

    /// The same, for a scenario with its own `main` (e.g. one that is also its own worker
    /// process) to call once it has decided to run as the scenario.
    public static func runAsScenario() async -> Never {
        await ScenarioMain.run(Self.self)
    }
}

extension Param where Value == Int {
    /// The common `items` parameter (the input size; what `--scale` multiplies).
    public static func items(
        default value: String = "20000", quick: String = "2000", stress: String? = nil
    ) -> Param<Int> {
        var profiles = ["quick": quick]
        if let stress { profiles["stress"] = stress }
        return .count("items", default: value, profiles: profiles, min: 1, help: "items the producer emits")
    }

    /// The common `item_bytes` parameter; 16 KiB is Node's default highWaterMark for byte streams.
    public static func itemBytes(default value: String = "16KiB") -> Param<Int> {
        .bytes(
            "item_bytes", default: value, min: Double(ItemCodec.headerBytes), max: Double(64 << 20),
            help: "bytes per item (each carries a sequence number, a timestamp and a checked pattern)")
    }
}

/// Thrown by a scenario (from `prepare` or `run`) when something it needs is not on this machine,
/// e.g. a server's binaries: the row ends `skipped` with `reason`, not as a failure.
public struct ScenarioUnavailable: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
