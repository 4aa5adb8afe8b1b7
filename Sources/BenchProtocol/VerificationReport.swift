/// What the consumer saw against what the producer sent.
public struct VerificationReport: Codable, Sendable, Equatable {
    public var expectedItems: Int
    public var receivedItems: Int
    public var expectedChecksum: String
    public var receivedChecksum: String
    /// False when order was promised and an item arrived out of order.
    public var inOrder: Bool
    /// Empty when everything matched; otherwise what did not.
    public var problems: [String]
    public var passed: Bool { problems.isEmpty }

    public init(
        expectedItems: Int, receivedItems: Int, expectedChecksum: String, receivedChecksum: String, inOrder: Bool,
        problems: [String]
    ) {
        self.expectedItems = expectedItems
        self.receivedItems = receivedItems
        self.expectedChecksum = expectedChecksum
        self.receivedChecksum = receivedChecksum
        self.inOrder = inOrder
        self.problems = problems
    }
}
