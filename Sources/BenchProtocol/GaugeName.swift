/// A gauge declared once: the level a scenario moves up and down (queue depth, bytes buffered).
/// Scenarios read its handle from the context (`context[queueDepth]`) and name it in claims;
/// the description lists it, so the harness can refuse a claim about a gauge nobody declared.
public struct GaugeName: Sendable, Hashable {
    public let name: String
    public init(_ name: String) { self.name = name }
}
