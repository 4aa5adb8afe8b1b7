/// A scenario-specific figure declared once (e.g. `producer_done_s`, `lost`): set through the
/// context (`context.set(lost, 0)`), named in claims, listed in the description.
public struct MetricName: Sendable, Hashable {
    public let name: String
    public init(_ name: String) { self.name = name }
}
