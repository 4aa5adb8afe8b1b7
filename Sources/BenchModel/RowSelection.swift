import BenchProtocol

/// The rows of one scenario that `--scenario` named: its base row (`NAME`), single variants
/// (`NAME/VARIANT`, run whatever the profile says) or every row the profile runs (`NAME/*`).
public struct RowSelection: Sendable, Equatable {
    /// The variant name that stands for every row.
    public static let everyRow = "*"

    public var base = false
    public var variants: [String] = []
    public var everyProfileRow = false

    public init() {}

    /// Adds one selector's variant part: nil for the base row.
    public mutating func add(_ variant: String?) {
        switch variant {
        case nil: base = true
        case Self.everyRow?: everyProfileRow = true
        case let name?: if !variants.contains(name) { variants.append(name) }
        }
    }

    /// The rows to plan, in the scenario's declared order: nil stands for the base row.
    public func rows(of description: ScenarioDescription, profile: String) -> [ScenarioVariant?] {
        let profileVariants = Set(description.variants(for: profile).map(\.name))
        let chosen = (description.variants ?? []).filter {
            variants.contains($0.name) || (everyProfileRow && profileVariants.contains($0.name))
        }
        return (base || everyProfileRow ? [nil] : []) + chosen.map { Optional($0) }
    }
}
