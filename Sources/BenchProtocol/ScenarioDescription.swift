/// What a scenario tells the harness about itself (`<scenario> --describe` prints it as JSON).
public struct ScenarioDescription: Codable, Sendable, Equatable {
    /// The executable's name, which is also its folder under `Scenarios/`.
    public var name: String
    /// One line for `bpbench list`.
    public var summary: String
    /// The seed articles (file names under `shared/seeds/`) the pattern comes from.
    public var seeds: [String]
    public var parameters: [ParameterSpec]
    /// The parameter that sets input size; `--scale 1,4` multiplies it for the growth verdict.
    public var scaleParameter: String?
    /// Fault fixtures for the harness's own tests are hidden from `bpbench list` by default.
    public var hidden: Bool
    /// What the seeds say this pattern does, for the report's "Seed claims" section.
    public var claims: [SeedClaim]
    /// Named parameter sets run as rows of their own (optional on the wire, so an older
    /// scenario binary still describes itself).
    public var variants: [ScenarioVariant]?

    public init(
        name: String, summary: String, seeds: [String] = [], parameters: [ParameterSpec],
        scaleParameter: String? = nil, claims: [SeedClaim] = [], variants: [ScenarioVariant] = [], hidden: Bool = false
    ) {
        self.variants = variants.isEmpty ? nil : variants
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.parameters = parameters
        self.scaleParameter = scaleParameter
        self.hidden = hidden
        self.claims = claims
    }

    /// The variants `profile`'s plan runs.
    public func variants(for profile: String) -> [ScenarioVariant] {
        (variants ?? []).filter { $0.profiles.contains(profile) }
    }

    /// Whether `--scale` stretches the run in time (its scale parameter is a duration) rather than
    /// in input size: such a scenario's growth is judged in bytes per second.
    public var scalesTime: Bool {
        scaleParameter.flatMap(parameter(named:))?.kind == .duration
    }

    /// The claims of every row `profile`'s plan runs: the scenario's own, then each variant's.
    public func claimsByRow(profile: String) -> [String: [SeedClaim]] {
        var claims = [name: self.claims]
        for variant in variants(for: profile) { claims[ScenarioVariant.row(name, variant.name)] = variant.claims }
        return claims
    }

    /// The rows of `profile`'s plan (the scenario's own and each variant's).
    public func rows(profile: String) -> [String] {
        [name] + variants(for: profile).map { ScenarioVariant.row(name, $0.name) }
    }

    public func parameter(named name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }

    /// Resolves `overrides` (user `key=value` strings) on top of the profile's defaults, parsing
    /// and validating every value. Returns the resolved strings, in declaration order.
    public func resolve(profile: String, overrides: [String: String]) throws(ParameterError) -> [(String, String)] {
        for key in overrides.keys.sorted() where parameter(named: key) == nil {
            let known = parameters.map(\.name).joined(separator: ", ")
            throw ParameterError(parameter: key, message: "is not a parameter of \(name) (known: \(known))")
        }
        var resolved: [(String, String)] = []
        for spec in parameters {
            let text = overrides[spec.name] ?? spec.defaultValue(for: profile)
            _ = try spec.parse(text)
            resolved.append((spec.name, text))
        }
        return resolved
    }
}

/// The profiles every scenario understands; each scenario sets its own defaults per profile.
public enum Profile: String, CaseIterable, Codable, Sendable {
    /// ≤ 3 s per scenario; what CI uses.
    case quick
    /// The default of `make bench`.
    case standard
    /// Larger inputs; may end `ignored-drain` at the memory cap on purpose.
    case stress
}
