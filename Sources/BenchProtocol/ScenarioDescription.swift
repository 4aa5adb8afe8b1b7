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
    /// True for the scenario a report's ratios are computed against when the user names none
    /// (`--reference` overrides it). At most one scenario should say so; the first found wins.
    public var isReference: Bool?
    /// The parameter that points the scenario at its durable state (a queue file): a scenario
    /// that has one can be crash-tested (`bpbench run --crash-test N`), which restarts it on the
    /// same state after each kill.
    public var durableStateParameter: String?
    /// The gauges and metrics the scenario reports, declared so a claim naming one that does not
    /// exist is refused when the scenario is discovered, not reported as "not measured".
    public var gauges: [String]?
    public var metrics: [String]?
    /// The version of the fd-3 result protocol this scenario speaks (``ResultProtocol``); nil for
    /// an external program that does not speak it (the parent's own figures only).
    public var protocolVersion: Int?
    /// The language the strategy is written in (`swift`, `node`, …), for the report's
    /// cross-language comparison.
    public var language: String?
    /// The backpressure pattern it implements, shared by its twins in other languages (e.g.
    /// `pipeline`, `drain-loop`, `ignored-drain`): rows with the same pattern are compared.
    public var pattern: String?

    /// - Parameters:
    ///   - parameters: the typed handles (``Param``) the scenario reads, in display order.
    ///   - scale: the parameter `--scale 1,4` multiplies (input size, or a duration).
    ///   - durableState: the parameter that points it at state that survives a kill (crash test).
    ///   - isReference: the scenario the report's ratios are computed against by default.
    public init(
        name: String, summary: String, seeds: [String] = [], parameters: [any ParameterDeclaration],
        scale: (any ParameterDeclaration)? = nil, gauges: [GaugeName] = [], metrics: [MetricName] = [],
        isReference: Bool = false, durableState: (any ParameterDeclaration)? = nil,
        claims: [SeedClaim] = [], variants: [ScenarioVariant] = [], hidden: Bool = false, pattern: String? = nil
    ) {
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.parameters = parameters.map(\.spec)
        scaleParameter = scale?.spec.name
        self.gauges = gauges.map(\.name)
        self.metrics = metrics.map(\.name)
        self.isReference = isReference ? true : nil
        durableStateParameter = durableState?.spec.name
        self.claims = claims
        self.variants = variants.isEmpty ? nil : variants
        self.hidden = hidden
        protocolVersion = ResultProtocol.version
        language = "swift"
        self.pattern = pattern
    }

    private enum CodingKeys: String, CodingKey {
        case name, summary, seeds, parameters, scaleParameter, hidden, claims, variants, isReference
        case durableStateParameter, gauges, metrics, protocolVersion, language, pattern
    }

    /// Decodes a description as a scenario prints it, or as a person writes it in a manifest:
    /// the lists and flags a simple scenario has no use for may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        summary = try container.decodeIfPresent(String.self, forKey: .summary) ?? ""
        seeds = try container.decodeIfPresent([String].self, forKey: .seeds) ?? []
        parameters = try container.decodeIfPresent([ParameterSpec].self, forKey: .parameters) ?? []
        scaleParameter = try container.decodeIfPresent(String.self, forKey: .scaleParameter)
        hidden = try container.decodeIfPresent(Bool.self, forKey: .hidden) ?? false
        claims = try container.decodeIfPresent([SeedClaim].self, forKey: .claims) ?? []
        variants = try container.decodeIfPresent([ScenarioVariant].self, forKey: .variants)
        isReference = try container.decodeIfPresent(Bool.self, forKey: .isReference)
        durableStateParameter = try container.decodeIfPresent(String.self, forKey: .durableStateParameter)
        gauges = try container.decodeIfPresent([String].self, forKey: .gauges)
        metrics = try container.decodeIfPresent([String].self, forKey: .metrics)
        protocolVersion = try container.decodeIfPresent(Int.self, forKey: .protocolVersion)
        language = try container.decodeIfPresent(String.self, forKey: .language)
        pattern = try container.decodeIfPresent(String.self, forKey: .pattern)
    }

    /// What in this description names something it does not declare: a claim's parameter, gauge
    /// or metric, the scale or durable-state parameter, a variant's parameter. Empty when sound.
    public func undeclaredNames() -> [String] {
        let parameterNames = Set(parameters.map(\.name))
        let gaugeNames = Set(gauges ?? [])
        let metricNames = Set(metrics ?? [])
        var problems: [String] = []
        func parameter(_ name: String, _ place: String) {
            if !parameterNames.contains(name) {
                problems.append("\(place) names parameter '\(name)', which is not declared")
            }
        }
        if let scaleParameter { parameter(scaleParameter, "scale") }
        if let durableStateParameter { parameter(durableStateParameter, "durable state") }
        for variant in variants ?? [] {
            for key in variant.parameters.keys.sorted() { parameter(key, "variant '\(variant.name)'") }
        }
        let allClaims =
            claims.map { ($0, "claim") }
            + (variants ?? []).flatMap { variant in variant.claims.map { ($0, "variant '\(variant.name)' claim") } }
        for (claim, place) in allClaims {
            let location = "\(place) '\(claim.text)'"
            for name in claim.check.parameterNames { parameter(name, location) }
            // A description from before gauges and metrics were declared (an older build) lists
            // none; only a declared list can be held against.
            for name in claim.check.gaugeNames where gauges != nil && !gaugeNames.contains(name) {
                problems.append(
                    "\(location) names gauge '\(name)', which is not declared (gauges: \(gaugeNames.sorted().joined(separator: ", ")))"
                )
            }
            for name in claim.check.metricNames where metrics != nil && !metricNames.contains(name) {
                problems.append(
                    "\(location) names metric '\(name)', which is not declared (metrics: \(metricNames.sorted().joined(separator: ", ")))"
                )
            }
        }
        return problems
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
