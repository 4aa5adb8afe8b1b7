import BenchProtocol

/// Which row of a run a record, summary, baseline entry or finding belongs to: a scenario, the
/// variant it ran as (nil: its own parameters) and the allocator its child allocated through.
///
/// Documents, CSV files and reports spell a row as they always have — `pipeline-copy`,
/// `bounded-queue/fan-out`, `pipeline-copy@system` (``description``) — and this type reads that
/// spelling back (``init(_:)``), so run.json, baselines and check records written before it load
/// unchanged. Code compares and takes rows apart through the fields, never through the string.
public struct RowID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var scenario: String
    public var variant: String?
    public var allocator: Allocator

    public init(scenario: String, variant: String? = nil, allocator: Allocator = .jemalloc) {
        self.scenario = scenario
        self.variant = variant
        self.allocator = allocator
    }

    /// The suffix of a system-allocator row: `pipeline-copy@system`.
    static let systemSuffix = "@system"

    /// Reads a row's spelling: `NAME`, `NAME/VARIANT`, either with `@system`.
    public init(_ text: String) {
        var rest = Substring(text)
        allocator = .jemalloc
        if rest.hasSuffix(Self.systemSuffix) {
            rest = rest.dropLast(Self.systemSuffix.count)
            allocator = .system
        }
        if let slash = rest.firstIndex(of: "/") {
            scenario = String(rest[..<slash])
            variant = String(rest[rest.index(after: slash)...])
        } else {
            scenario = String(rest)
            variant = nil
        }
    }

    public init(stringLiteral text: String) { self.init(text) }

    /// `NAME`, `NAME/VARIANT`, and `@system` after either on the system allocator.
    public var description: String {
        (variant.map { "\(scenario)/\($0)" } ?? scenario) + (allocator == .system ? Self.systemSuffix : "")
    }

    /// The same row on jemalloc: the row a system-allocator row is compared with, and whose
    /// traits and claims it shares.
    public var onJemalloc: RowID { RowID(scenario: scenario, variant: variant) }

    /// Rows sort by their spelling, the order reports have always listed them in.
    public static func < (lhs: RowID, rhs: RowID) -> Bool { lhs.description < rhs.description }

    /// The rows `profile`'s plan runs of `description`: the scenario's own, then each variant's.
    public static func rows(of description: ScenarioDescription, profile: String) -> [RowID] {
        [RowID(scenario: description.name)]
            + description.variants(for: profile).map { RowID(scenario: description.name, variant: $0.name) }
    }

    /// The claims of every row `profile`'s plan runs of `description` — the scenario's own, then
    /// each variant's — keyed by the row's spelling, as run.json holds them.
    public static func claims(of description: ScenarioDescription, profile: String) -> [String: [SeedClaim]] {
        var claims = [description.name: description.claims]
        for variant in description.variants(for: profile) {
            claims[RowID(scenario: description.name, variant: variant.name).description] = variant.claims
        }
        return claims
    }
}

/// A row is written as its spelling, a string, wherever a document holds one.
extension RowID: Codable {
    public init(from decoder: Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
