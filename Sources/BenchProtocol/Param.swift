/// Something that declares a parameter: a typed ``Param`` or a bare ``ParameterSpec``.
public protocol ParameterDeclaration: Sendable {
    var spec: ParameterSpec { get }
}

extension ParameterSpec: ParameterDeclaration {
    public var spec: ParameterSpec { self }
}

/// A scenario parameter declared once, as a typed handle: the spec the harness validates
/// against, and the Swift type the scenario reads it as.
///
/// ```swift
/// static let capacity = Param.count("capacity", default: "64", min: 1, help: "queue slots")
/// …
/// let slots = context[capacity]          // Int; a misspelt handle does not compile
/// ```
/// Claims, `scale` and the description's parameter list take the handle too, so a parameter's
/// name is written in exactly one place.
public struct Param<Value: Sendable>: ParameterDeclaration {
    public let spec: ParameterSpec
    public var name: String { spec.name }
    private let extract: @Sendable (ParameterValue) -> Value?

    private init(_ spec: ParameterSpec, _ extract: @escaping @Sendable (ParameterValue) -> Value?) {
        self.spec = spec
        self.extract = extract
    }

    /// The typed value of a parsed parameter; nil when the value is of another kind.
    public func value(_ parsed: ParameterValue) -> Value? { extract(parsed) }
}

extension Param where Value == Int {
    /// A whole number of things (`20000`, `20k`, `2M`).
    public static func count(
        _ name: String, default value: String, profiles: [String: String] = [:],
        min: Double? = nil, max: Double? = nil, help: String
    ) -> Param<Int> {
        Param(
            ParameterSpec(name, .count, default: value, profiles: profiles, min: min, max: max, help: help),
            { $0.integer })
    }

    /// A size in bytes (`16KiB`, `4MiB`).
    public static func bytes(
        _ name: String, default value: String, profiles: [String: String] = [:],
        min: Double? = nil, max: Double? = nil, help: String
    ) -> Param<Int> {
        Param(
            ParameterSpec(name, .bytes, default: value, profiles: profiles, min: min, max: max, help: help),
            { $0.integer })
    }

    /// A rate in bytes per second (`32MiB/s`; 0 = unthrottled).
    public static func byteRate(
        _ name: String, default value: String, profiles: [String: String] = [:],
        min: Double? = nil, max: Double? = nil, help: String
    ) -> Param<Int> {
        Param(
            ParameterSpec(name, .byteRate, default: value, profiles: profiles, min: min, max: max, help: help),
            { $0.integer })
    }
}

extension Param where Value == Double {
    /// A duration, read in seconds (`250us`, `10ms`, `1.5s`).
    public static func duration(
        _ name: String, default value: String, profiles: [String: String] = [:],
        min: Double? = nil, max: Double? = nil, help: String
    ) -> Param<Double> {
        Param(
            ParameterSpec(name, .duration, default: value, profiles: profiles, min: min, max: max, help: help),
            { $0.real })
    }

    /// A real number, e.g. a ratio.
    public static func number(
        _ name: String, default value: String, profiles: [String: String] = [:],
        min: Double? = nil, max: Double? = nil, help: String
    ) -> Param<Double> {
        Param(
            ParameterSpec(name, .number, default: value, profiles: profiles, min: min, max: max, help: help),
            { $0.real })
    }
}

extension Param where Value == Bool {
    /// `true`/`false`.
    public static func flag(
        _ name: String, default value: String, profiles: [String: String] = [:], help: String
    ) -> Param<Bool> {
        Param(ParameterSpec(name, .flag, default: value, profiles: profiles, help: help), { $0.flag })
    }
}

extension Param where Value == String {
    /// Free text, e.g. a path.
    public static func text(
        _ name: String, default value: String, profiles: [String: String] = [:], help: String
    ) -> Param<String> {
        Param(ParameterSpec(name, .text, default: value, profiles: profiles, help: help), { $0.text })
    }

    /// One of `choices`.
    public static func choice(
        _ name: String, _ choices: [String], default value: String, profiles: [String: String] = [:], help: String
    ) -> Param<String> {
        Param(
            ParameterSpec(name, .choice, default: value, profiles: profiles, choices: choices, help: help), { $0.text })
    }
}

extension ParameterValue {
    var integer: Int? { if case .integer(let value) = self { value } else { nil } }
    var real: Double? { if case .real(let value) = self { value } else { nil } }
    var flag: Bool? { if case .flag(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
}
