/// A scenario's resolved, validated parameters, read by name and type.
///
/// Read through the scenario's typed handles (`parameters[items]`, or `context[items]`): the
/// harness validated every value before the child started, so a read can only fail on a
/// programming error (a handle the description does not list), which traps with a clear message.
public struct Parameters: Sendable {
    public let specs: [ParameterSpec]
    /// Name → the text the value was given as (for reports).
    public let text: [String: String]
    private let values: [String: ParameterValue]

    // `package`: ScenarioKitTests make one without `@testable` (see Cadence for why).
    package init(description: ScenarioDescription, resolved: [(String, String)]) throws(ParameterError) {
        specs = description.parameters
        var text: [String: String] = [:]
        var values: [String: ParameterValue] = [:]
        for (name, raw) in resolved {
            text[name] = raw
            values[name] = try description.parameter(named: name)!.parse(raw)
        }
        self.text = text
        self.values = values
    }

    /// The set the harness resolved and handed over: every declared parameter must be there, and
    /// nothing else.
    init(description: ScenarioDescription, handed: [String: String]) throws(ParameterError) {
        for name in handed.keys.sorted() where description.parameter(named: name) == nil {
            throw ParameterError(parameter: name, message: "is not a parameter of \(description.name)")
        }
        var resolved: [(String, String)] = []
        for spec in description.parameters {
            guard let value = handed[spec.name] else {
                throw ParameterError(parameter: spec.name, message: "was not handed over by the harness")
            }
            resolved.append((spec.name, value))
        }
        try self.init(description: description, resolved: resolved)
    }

    /// The value of a declared parameter, in its Swift type.
    public subscript<Value>(_ param: Param<Value>) -> Value {
        guard let parsed = values[param.name], let value = param.value(parsed) else {
            fatalError(
                "scenario read parameter '\(param.name)' but its description does not declare it (declared: \(specs.map(\.name)))"
            )
        }
        return value
    }
}
