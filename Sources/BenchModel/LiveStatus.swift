/// How a running child is doing, a few times a second: for the terminal's live progress line.
public struct LiveStatus: Sendable, Equatable {
    /// Since the child was spawned.
    public var elapsedS: Double
    /// Its RSS now (the tree's total when it started processes).
    public var rssBytes: Int
    /// From its latest streamed sample (0 before the first).
    public var allocatedBytes: Int
    public var items: Int
    public var bytes: Int

    public init(elapsedS: Double, rssBytes: Int, allocatedBytes: Int, items: Int, bytes: Int) {
        self.elapsedS = elapsedS
        self.rssBytes = rssBytes
        self.allocatedBytes = allocatedBytes
        self.items = items
        self.bytes = bytes
    }

    /// How often the supervising loop reports it.
    public static let intervalNs: UInt64 = 250_000_000
}
