/// A scenario's resolved, validated parameters, read by name and type.
///
/// The harness validated every value before the child started, so a typed read can only fail on
/// a programming error (asking for a name the scenario never declared), which traps with a clear
/// message.
public struct Parameters: Sendable {
    public let specs: [ParameterSpec]
    /// Name → the text the value was given as (for reports).
    public let text: [String: String]
    private let values: [String: ParameterValue]

    init(description: ScenarioDescription, resolved: [(String, String)]) throws(ParameterError) {
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

    /// A `.count`, `.bytes` or `.byteRate` parameter.
    public func count(_ name: String) -> Int { integer(name) }
    /// A `.bytes` parameter, in bytes.
    public func bytes(_ name: String) -> Int { integer(name) }
    /// A `.byteRate` parameter, in bytes per second (0 = unthrottled).
    public func rate(_ name: String) -> Int { integer(name) }

    /// A `.duration` parameter, in seconds.
    public func seconds(_ name: String) -> Double {
        guard case .real(let value)? = values[name] else { undeclared(name, "a duration") }
        return value
    }

    /// A `.number` parameter.
    public func number(_ name: String) -> Double {
        guard case .real(let value)? = values[name] else { undeclared(name, "a number") }
        return value
    }

    /// A `.flag` parameter.
    public func flag(_ name: String) -> Bool {
        guard case .flag(let value)? = values[name] else { undeclared(name, "a flag") }
        return value
    }

    /// A `.text` or `.choice` parameter.
    public func text(_ name: String) -> String {
        guard case .text(let value)? = values[name] else { undeclared(name, "text or a choice") }
        return value
    }

    private func integer(_ name: String) -> Int {
        guard case .integer(let value)? = values[name] else { undeclared(name, "a count, size or rate") }
        return value
    }

    private func undeclared(_ name: String, _ kind: String) -> Never {
        fatalError("scenario asked for parameter '\(name)' as \(kind), but declared: \(specs.map { "\($0.name):\($0.kind.rawValue)" })")
    }
}
