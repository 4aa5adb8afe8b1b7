/// A number JSON can hold whatever its value: ±infinity is written as the strings `"infinity"` and
/// `"-infinity"`, which `check.json` has always used — a change from a median of 0 is infinite,
/// and JSON has no number for it. Wraps ``Judgement/worsening`` so the judgement's coding is the
/// compiler's, field for field, and only this value is special.
@propertyWrapper
public struct NonFiniteAsText: Codable, Sendable, Equatable {
    public var wrappedValue: Double

    public init(wrappedValue: Double) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Double.self) {
            wrappedValue = value
            return
        }
        switch try container.decode(String.self) {
        case "infinity": wrappedValue = .infinity
        case "-infinity": wrappedValue = -.infinity
        case let other:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(other)' is not a number")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if wrappedValue.isFinite {
            try container.encode(wrappedValue)
        } else {
            try container.encode(wrappedValue > 0 ? "infinity" : "-infinity")
        }
    }
}
