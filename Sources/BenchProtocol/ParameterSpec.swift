/// The type of a scenario parameter; decides how a `key=value` string is parsed and validated.
public enum ParameterKind: String, Codable, Sendable, CaseIterable {
    /// A whole number of things; accepts `20000`, `20k`, `2M`.
    case count
    /// A size in bytes; accepts `16384`, `16KiB`, `16k`, `4MiB`, `1GB`.
    case bytes
    /// A rate in bytes per second; accepts `32MiB/s` or `32MiB`; `0` means unthrottled.
    case byteRate
    /// A duration; accepts `250us`, `10ms`, `1.5s`; a bare number is seconds.
    case duration
    /// A real number, e.g. a ratio.
    case number
    /// One of the spec's `choices`.
    case choice
    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    case flag
    /// Free text, e.g. a file path.
    case text
}

/// A typed, validated scenario parameter with a default and optional per-profile defaults.
///
/// Scenario authors declare these in their ``ScenarioDescription``; the harness validates a
/// user's `--param NAME.key=value` against them before it starts a child, so a typo costs an
/// error line, not a benchmark run.
public struct ParameterSpec: Codable, Sendable, Equatable {
    public var name: String
    public var kind: ParameterKind
    public var help: String
    /// The default when no profile overrides it.
    public var defaultValue: String
    /// Profile name (`quick`, `standard`, `stress`) → default for that profile.
    public var profileDefaults: [String: String]
    /// Inclusive bounds for numeric kinds, in the kind's base unit (bytes, seconds, items).
    public var minimum: Double?
    public var maximum: Double?
    /// Allowed values for `.choice`.
    public var choices: [String]

    public init(
        _ name: String, _ kind: ParameterKind, default defaultValue: String,
        profiles: [String: String] = [:], min minimum: Double? = nil, max maximum: Double? = nil,
        choices: [String] = [], help: String
    ) {
        self.name = name
        self.kind = kind
        self.help = help
        self.defaultValue = defaultValue
        self.profileDefaults = profiles
        self.minimum = minimum
        self.maximum = maximum
        self.choices = choices
    }

    private enum CodingKeys: String, CodingKey {
        case name, kind, help, defaultValue, profileDefaults, minimum, maximum, choices
    }

    /// Decodes a spec as a scenario prints it, or as a person writes it in a manifest (help,
    /// per-profile defaults and choices optional).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        let kindText = try container.decode(String.self, forKey: .kind)
        guard let kind = ParameterKind(rawValue: kindText) else {
            let known = ParameterKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown parameter kind '\(kindText)' (known: \(known))"
            )
        }
        self.kind = kind
        help = try container.decodeIfPresent(String.self, forKey: .help) ?? ""
        defaultValue = try container.decode(String.self, forKey: .defaultValue)
        profileDefaults = try container.decodeIfPresent([String: String].self, forKey: .profileDefaults) ?? [:]
        minimum = try container.decodeIfPresent(Double.self, forKey: .minimum)
        maximum = try container.decodeIfPresent(Double.self, forKey: .maximum)
        choices = try container.decodeIfPresent([String].self, forKey: .choices) ?? []
    }

    /// The default in force for `profile`.
    public func defaultValue(for profile: String) -> String {
        profileDefaults[profile] ?? defaultValue
    }

    /// Parses and validates `text` for this parameter.
    public func parse(_ text: String) throws(ParameterError) -> ParameterValue {
        let value: ParameterValue
        switch kind {
        case .count: value = .integer(try ValueParser.count(text, parameter: name))
        case .bytes: value = .integer(try ValueParser.bytes(text, parameter: name))
        case .byteRate: value = .integer(try ValueParser.byteRate(text, parameter: name))
        case .duration: value = .real(try ValueParser.seconds(text, parameter: name))
        case .number: value = .real(try ValueParser.number(text, parameter: name))
        case .flag: value = .flag(try ValueParser.flag(text, parameter: name))
        case .text: value = .text(text)
        case .choice:
            guard choices.contains(text) else {
                throw ParameterError(
                    parameter: name, message: "must be one of \(choices.joined(separator: ", ")), got '\(text)'")
            }
            value = .text(text)
        }
        if let numeric = value.numeric {
            if let minimum, numeric < minimum {
                throw ParameterError(
                    parameter: name,
                    message: "must be at least \(ValueParser.format(minimum, kind: kind)), got '\(text)'")
            }
            if let maximum, numeric > maximum {
                throw ParameterError(
                    parameter: name,
                    message: "must be at most \(ValueParser.format(maximum, kind: kind)), got '\(text)'")
            }
        }
        return value
    }
}

/// A parsed parameter value.
public enum ParameterValue: Sendable, Equatable {
    case integer(Int)
    case real(Double)
    case flag(Bool)
    case text(String)

    var numeric: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .real(let value): return value
        case .flag, .text: return nil
        }
    }
}

/// A parameter the user got wrong: which one, and what is wrong with it.
public struct ParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var parameter: String
    public var message: String
    public init(parameter: String, message: String) {
        self.parameter = parameter
        self.message = message
    }
    public var description: String { "parameter '\(parameter)' \(message)" }
}
