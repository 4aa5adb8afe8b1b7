/// A named parameter set a scenario declares, run as its own row (`bounded-queue/fan-out`,
/// `ignored-drain/async-stream`): the same code under a setting that changes what it shows
/// (the bug beside its fix, the throttle off), with its own claims.
public struct ScenarioVariant: Codable, Sendable, Equatable {
    /// The row's suffix: `<scenario>/<name>`.
    public var name: String
    public var summary: String
    /// Parameter values on top of the profile's defaults (a user's `--param` still wins).
    public var parameters: [String: String]
    /// The profiles whose plan runs it (not `quick`, which the CI gate keeps small).
    public var profiles: [String]
    /// What the seeds say about this setting; replaces the scenario's own claims for the row.
    public var claims: [SeedClaim]

    public init(
        _ name: String, summary: String, parameters: [String: String], profiles: [String] = ["standard", "stress"],
        claims: [SeedClaim] = []
    ) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.profiles = profiles
        self.claims = claims
    }
}
