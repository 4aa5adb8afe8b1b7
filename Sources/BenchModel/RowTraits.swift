import BenchProtocol

/// What a report needs to know about a row beyond its figures: the language it is written in and
/// the pattern it implements (from its scenario's description), and the variant it runs, so rows
/// of one pattern in different languages can be set side by side.
public struct RowTraits: Codable, Sendable, Equatable {
    public var language: String?
    public var pattern: String?
    public var variant: String?

    public init(language: String?, pattern: String?, variant: String?) {
        self.language = language
        self.pattern = pattern
        self.variant = variant
    }

    /// Every row `profile`'s plan runs for `description`, with its traits.
    public static func rows(of description: ScenarioDescription, profile: String) -> [String: RowTraits] {
        var rows = [
            description.name: RowTraits(language: description.language, pattern: description.pattern, variant: nil)
        ]
        for variant in description.variants(for: profile) {
            rows[RowID(scenario: description.name, variant: variant.name).description] = RowTraits(
                language: description.language, pattern: description.pattern, variant: variant.name)
        }
        return rows
    }
}
